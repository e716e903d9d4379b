package io.visionlake.udfs.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.udfs.testing.UnitTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Damaged copies of real and generated images of every format (truncated at many offsets, header
 * bytes overwritten, bytes flipped throughout), seeded so a failure replays: each case must decode
 * or fail with {@link ImageDecodeException}, never another exception or error (an OOM included),
 * since anything else fails the task instead of becoming an error row. Prints the counts per format.
 * The cases come from {@link FuzzCorpus}, which the batch job's fuzz test samples too.
 */
@UnitTest
class DecoderFuzzTest {
  private static final long SEED = 14L;
  /** Low, so a mutated header claiming a huge canvas is refused by the limit, as in production, without a 300 MB decode. */
  private static final ImageDecoder DECODER = new ImageDecoder(DecodeOptions.builder().maxPixels(4_000_000).build());

  @Test
  void everyDamagedImageDecodesOrFailsWithAnImageDecodeException() throws Exception {
    Random random = new Random(SEED);
    Map<String, int[]> counts = new TreeMap<>(); // format -> {cases, decoded, errors}
    Map<String, Integer> classes = new TreeMap<>();
    List<String> escapes = new ArrayList<>();
    for (Map.Entry<String, List<byte[]>> format : FuzzCorpus.seeds().entrySet()) {
      int[] c = counts.computeIfAbsent(format.getKey(), k -> new int[3]);
      for (int s = 0; s < format.getValue().size(); s++) {
        List<byte[]> cases = FuzzCorpus.damaged(format.getValue().get(s), random);
        for (int i = 0; i < cases.size(); i++) {
          c[0]++;
          try (DecodedImage image = DECODER.decode(cases.get(i), 0, 0)) {
            assertThat(image.mat().empty()).isFalse();
            c[1]++;
          } catch (ImageDecodeException e) {
            c[2]++;
            classes.merge(e.errorClass(), 1, Integer::sum);
          } catch (Throwable t) { // the point of the test: name every escape, not just the first
            escapes.add(format.getKey() + " seed " + s + " case " + i + ": " + t);
          }
        }
      }
    }
    StringBuilder report = new StringBuilder("Decoder fuzz, seed " + SEED + " (format: cases, decoded, errors):");
    counts.forEach((f, c) -> report.append(String.format("%n  %-5s %5d %5d %5d", f, c[0], c[1], c[2])));
    report.append("\n  error classes: ").append(classes);
    System.out.println(report);
    assertThat(escapes).as("cases that escaped as something other than ImageDecodeException").isEmpty();
    assertThat(counts.values().stream().mapToInt(c -> c[0]).sum()).isGreaterThanOrEqualTo(1000);
    assertThat(counts).containsOnlyKeys(FuzzCorpus.FORMATS);
  }
}

package io.visionlake.udfs.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.UnitTest;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
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
 */
@UnitTest
class DecoderFuzzTest {
  private static final long SEED = 14L;
  /** Low, so a mutated header claiming a huge canvas is refused by the limit, as in production, without a 300 MB decode. */
  private static final ImageDecoder DECODER = new ImageDecoder(DecodeOptions.builder().maxPixels(4_000_000).build());

  private static Map<String, List<byte[]>> seeds() throws Exception {
    OpenCvLoader.ensureLoaded(); // the WebP and BMP seeds are written by OpenCV
    Map<String, List<byte[]>> seeds = new TreeMap<>();
    for (String photo : List.of("dog.jpg", "baboon.jpg", "scream.jpg")) {
      seeds.computeIfAbsent("jpeg", k -> new ArrayList<>()).add(Files.readAllBytes(TestPaths.required("data/samples/photos/" + photo)));
    }
    for (String png : List.of("test-00000.png", "test-00001.png", "test-00002.png")) {
      seeds.computeIfAbsent("png", k -> new ArrayList<>()).add(Files.readAllBytes(TestPaths.required("data/samples/fashion/" + png)));
    }
    BufferedImage rgb = TestImages.solid(48, 32, BufferedImage.TYPE_INT_RGB, 0x3366CC);
    seeds.computeIfAbsent("png", k -> new ArrayList<>()).add(TestImages.imageIo(rgb, "png"));
    seeds.computeIfAbsent("jpeg", k -> new ArrayList<>()).add(TestImages.progressiveJpeg(rgb));
    seeds.put("gif", List.of(TestImages.imageIo(TestImages.palette(40, 0xCC0000), "gif"), TestImages.animatedGif(24, 0x00FF00, 0x0000FF)));
    seeds.put("bmp", List.of(TestImages.imageIo(rgb, "bmp"), TestImages.encode(".bmp", TestImages.markerMat(33, 17, 5))));
    seeds.put("webp", List.of(TestImages.encode(".webp", TestImages.markerMat(64, 48, 9)),
        TestImages.encode(".webp", TestImages.markerMat(40, 30, 5), org.opencv.imgcodecs.Imgcodecs.IMWRITE_WEBP_QUALITY, 101)));
    seeds.put("tiff", List.of(TestImages.multiPageTiff(30, 20, 60, 40), TestImages.imageIo(rgb, "tiff")));
    return seeds;
  }

  /** Per seed: 60 truncations (24 in the header), 40 header mutations, 40 bit flips anywhere. */
  private static List<byte[]> damaged(byte[] seed, Random random) {
    List<byte[]> cases = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      cases.add(Arrays.copyOf(seed, Math.min(seed.length - 1, i * 3)));
    }
    for (int i = 0; i < 36; i++) {
      cases.add(Arrays.copyOf(seed, 1 + random.nextInt(seed.length - 1)));
    }
    for (int i = 0; i < 40; i++) {
      byte[] b = seed.clone();
      int header = Math.min(b.length, 256);
      for (int k = 1 + random.nextInt(4); k > 0; k--) {
        int at = random.nextInt(header);
        // Extremes are what break size fields: 0x00, 0xFF, 0x7F, or any byte.
        int[] picks = {0x00, 0xFF, 0x7F, 0x80, random.nextInt(256)};
        b[at] = (byte) picks[random.nextInt(picks.length)];
      }
      cases.add(b);
    }
    for (int i = 0; i < 40; i++) {
      byte[] b = seed.clone();
      for (int k = 1 + random.nextInt(16); k > 0; k--) {
        b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
      }
      cases.add(random.nextBoolean() ? b : Arrays.copyOf(b, 1 + random.nextInt(b.length)));
    }
    return cases;
  }

  @Test
  void everyDamagedImageDecodesOrFailsWithAnImageDecodeException() throws Exception {
    Random random = new Random(SEED);
    Map<String, int[]> counts = new TreeMap<>(); // format -> {cases, decoded, errors}
    Map<String, Integer> classes = new TreeMap<>();
    List<String> escapes = new ArrayList<>();
    for (Map.Entry<String, List<byte[]>> format : seeds().entrySet()) {
      int[] c = counts.computeIfAbsent(format.getKey(), k -> new int[3]);
      for (int s = 0; s < format.getValue().size(); s++) {
        List<byte[]> cases = damaged(format.getValue().get(s), random);
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
    assertThat(counts).containsOnlyKeys("bmp", "gif", "jpeg", "png", "tiff", "webp");
  }
}

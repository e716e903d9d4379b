package io.visionlake.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.ChildJvm;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.image.FuzzCorpus;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The decoder's fuzz cases as files through the whole batch job: a seeded sample of
 * {@link FuzzCorpus}'s damaged images of every format, its header bombs, a zero-byte file, a
 * 40 MB file of noise and a 300 MB (sparse) file, among real photos. The job runs in a child JVM
 * with a 1 GB heap, so a crash or an OutOfMemoryError shows as its exit code instead of taking the
 * test JVM down: it must exit 0 with every file exactly once in images or image_errors.
 */
@IntegrationTest
// The child's own limit (15 min) comes first, so a hang fails with the child's log instead of a bare timeout.
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class BatchFuzzTest extends DeltaTestBase {
  private static final long SEED = 14L;
  /** Damaged cases per seed image: 16 seeds, so about 300 files. */
  private static final int PER_SEED = 18;

  @Test
  void damagedFilesOfEveryFormatEachBecomeOneRowAndNoneCrashesTheJob() throws Exception {
    Path input = Files.createDirectories(tmp.resolve("input"));
    Map<String, String> formatOf = new TreeMap<>(); // file name -> format, for the counts
    Random random = new Random(SEED);
    for (Map.Entry<String, List<byte[]>> format : FuzzCorpus.seeds().entrySet()) {
      for (int s = 0; s < format.getValue().size(); s++) {
        List<byte[]> cases = FuzzCorpus.damaged(format.getValue().get(s), random);
        for (int k = 0; k < PER_SEED; k++) {
          int i = random.nextInt(cases.size());
          // Sampled with replacement: a repeated index is the same bytes, so skip it rather than write a twin.
          String name = String.format("%s-%d-%03d.%s", format.getKey(), s, i, extension(format.getKey()));
          if (!formatOf.containsKey(name)) {
            Files.write(input.resolve(name), cases.get(i));
            formatOf.put(name, format.getKey());
          }
        }
      }
    }
    for (Map.Entry<String, byte[]> bomb : FuzzCorpus.bombs().entrySet()) {
      String name = "bomb-" + bomb.getKey() + "." + bomb.getKey().substring(0, 3);
      Files.write(input.resolve(name), bomb.getValue());
      formatOf.put(name, "bomb");
    }
    Files.write(input.resolve("zero-bytes.jpg"), new byte[0]);
    formatOf.put("zero-bytes.jpg", "size");
    byte[] noise = new byte[40 << 20];
    random.nextBytes(noise);
    noise[0] = (byte) 0xFF; // a JPEG's SOI, so the decoder tries it instead of sniffing it away
    noise[1] = (byte) 0xD8;
    Files.write(input.resolve("noise-40mb.jpg"), noise);
    formatOf.put("noise-40mb.jpg", "size");
    try (RandomAccessFile huge = new RandomAccessFile(input.resolve("huge-300mb.jpg").toFile(), "rw")) {
      huge.setLength(300L << 20); // sparse: larger than spark.visionlake.read.maxFileBytes, no disk used
    }
    formatOf.put("huge-300mb.jpg", "size");
    for (String photo : List.of("dog.jpg", "baboon.jpg", "scream.jpg", "fruits.jpg")) {
      Files.copy(TestPaths.required("data/samples/photos/" + photo), input.resolve("good-" + photo));
      formatOf.put("good-" + photo, "good");
    }

    Path lake = tmp.resolve("lake");
    Path log = tmp.resolve("batch.log");
    int exit = ChildJvm.exitCode(List.of("-Xmx1g", "-XX:+ExitOnOutOfMemoryError"), BatchInferenceJob.class,
        new String[] {"--input", input.toString(), "--lake", lake.toString(), "--quiet"}, log, Duration.ofMinutes(15));
    assertThat(exit).as("the batch job's exit code; its log:\n%s", Files.readString(log)).isZero();

    List<String> images = names(lake, Lake.IMAGES);
    List<String> errors = names(lake, Lake.IMAGE_ERRORS);
    List<String> all = new ArrayList<>(images);
    all.addAll(errors);
    assertThat(all).as("every file exactly once in images or image_errors").containsExactlyInAnyOrderElementsOf(formatOf.keySet());
    assertThat(images).as("the real photos decode").contains("good-dog.jpg", "good-baboon.jpg", "good-scream.jpg", "good-fruits.jpg");
    assertThat(errors).as("the bombs and the oversized files are refused")
        .contains("zero-bytes.jpg", "noise-40mb.jpg", "huge-300mb.jpg", "bomb-png-60000.png", "bomb-png-maxint.png", "bomb-gif-65535.gif");

    Map<String, int[]> counts = new TreeMap<>(); // format -> {files, images, errors}
    formatOf.forEach((name, format) -> counts.computeIfAbsent(format, k -> new int[3])[0]++);
    images.forEach(name -> counts.get(formatOf.get(name))[1]++);
    errors.forEach(name -> counts.get(formatOf.get(name))[2]++);
    StringBuilder report = new StringBuilder("Batch fuzz, seed " + SEED + ", -Xmx1g, exit " + exit + " (kind: files, images, errors):");
    counts.forEach((f, c) -> report.append(String.format("%n  %-5s %4d %4d %4d", f, c[0], c[1], c[2])));
    report.append(String.format("%n  total %4d %4d %4d; crashes 0, files unaccounted 0", formatOf.size(), images.size(), errors.size()));
    System.out.println(report);
  }

  private static String extension(String format) {
    return "jpeg".equals(format) ? "jpg" : "tiff".equals(format) ? "tif" : format;
  }

  /** The file names of a table's rows (one per row: duplicates stay, so the assertion sees them). */
  private static List<String> names(Path lake, String table) {
    List<String> out = new ArrayList<>();
    for (Row r : spark.read().format("delta").load(lake.resolve(table).toString()).select("path").collectAsList()) {
      String path = r.getString(0);
      out.add(path.substring(path.lastIndexOf('/') + 1));
    }
    return out;
  }
}

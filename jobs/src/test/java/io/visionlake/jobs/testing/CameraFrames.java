package io.visionlake.jobs.testing;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.stream.StreamingInferenceJob;
import io.visionlake.udfs.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Row;

/** Real frames of vtest.avi (extracted by scripts/setup) landed as a camera would push them. */
public final class CameraFrames {
  static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS").withZone(ZoneOffset.UTC);

  private CameraFrames() {}

  public static Path frame(int index) {
    return TestPaths.required(String.format("data/samples/cameras/vtest-%04d.jpg", index));
  }

  /** Lands frames {@code first..first+count-1} for {@code camera}, 10 fps from {@code start}. */
  /** Lands {@code count} frames of {@code camera}, 100 ms apart from {@code start}, under {@code root}; returns {@code root}. */
  public static Path land(Path root, String camera, int first, int count, Instant start) throws IOException {
    Path dir = Files.createDirectories(root.resolve("camera=" + camera));
    for (int i = 0; i < count; i++) {
      Instant t = start.plusMillis(100L * i);
      Files.copy(frame(first + i), dir.resolve(NAME.format(t) + ".jpg"));
    }
    return root;
  }

  public static Path landOne(Path root, String camera, int index, Instant at) throws IOException {
    Path dir = Files.createDirectories(root.resolve("camera=" + camera));
    return Files.copy(frame(index), dir.resolve(NAME.format(at) + ".jpg"));
  }

  /**
   * Lands {@code count} frames of camera north under {@code dir}/landing, streams them once
   * (available-now, with {@code settings} applied) into {@code dir}/stream-lake, and returns the rows
   * of its frames table.
   */
  public static List<Row> streamOnce(Path dir, int count, UnaryOperator<StreamingInferenceJob.Settings> settings) throws Exception {
    Path landing = dir.resolve("landing");
    land(landing, "north", 100, count, Instant.parse("2024-05-01T12:00:00Z"));
    Path lake = dir.resolve("stream-lake");
    StreamingInferenceJob.run(org.apache.spark.sql.SparkSession.active(), settings.apply(
        StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), dir.resolve("stream-cp").toString()).trigger("available-now")))
        .awaitTermination();
    return FlowTables.table(lake, Lake.FRAMES).collectAsList();
  }
}

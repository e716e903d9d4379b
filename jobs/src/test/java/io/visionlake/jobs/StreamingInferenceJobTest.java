package io.visionlake.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The landing-folder stream end to end on real frames, real Spark and real Delta. */
class StreamingInferenceJobTest extends DeltaTestBase {
  static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");

  @TempDir
  Path tmp;

  static Dataset<Row> table(Path lake, String name) {
    return spark.read().format("delta").load(new Lake(lake.toString()).path(name));
  }

  /** flow_counts recomputed in batch from frames, as the stream should have it. */
  static List<Row> recomputed(Path lake, String window) {
    Dataset<Row> frames = table(lake, Lake.FRAMES);
    boolean faces = Arrays.asList(frames.columns()).contains("faces");
    return sorted(MicroBatchWriter.flowCounts(frames, col("people"), faces ? col("faces") : lit(null).cast(DataTypes.IntegerType), window));
  }

  static List<Row> streamed(Path lake) {
    return sorted(table(lake, Lake.FLOW_COUNTS).select("camera_id", "window_start", "window_end", "frames", "people_detections",
        "avg_people", "peak_people", "faces"));
  }

  static List<Row> sorted(Dataset<Row> d) {
    return d.orderBy("camera_id", "window_start").collectAsList();
  }

  @Test
  void landingFolderEndToEndWithBadFrames() throws Exception {
    Path landing = tmp.resolve("landing");
    CameraFrames.land(landing, "north", 100, 8, T0);
    CameraFrames.land(landing, "south", 300, 6, T0.plusSeconds(50));
    Path bad = Files.createDirectories(landing.resolve("camera=north"));
    Files.write(bad.resolve("20240501T120001.000.jpg"), new byte[0]);
    byte[] jpeg = Files.readAllBytes(CameraFrames.frame(10));
    Files.write(bad.resolve("20240501T120001.100.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
    Files.write(bad.resolve("notes.txt"), "not a frame".getBytes(StandardCharsets.UTF_8));
    Path lake = tmp.resolve("lake");

    StreamingInferenceJob.Handle h = StreamingInferenceJob.run(spark,
        StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), tmp.resolve("cp").toString())
            .trigger("available-now").maxPerTrigger(6).analyzers("people"));
    h.awaitTermination();

    List<Row> frames = table(lake, Lake.FRAMES).collectAsList();
    assertThat(frames).as("good frames").hasSize(14);
    Map<String, Long> perCamera = frames.stream().collect(Collectors.groupingBy(r -> r.<String>getAs("camera_id"), Collectors.counting()));
    assertThat(perCamera).containsEntry("north", 8L).containsEntry("south", 6L);
    frames.forEach(r -> {
      assertThat((String) r.getAs("time_source")).isEqualTo("file_name");
      assertThat((Integer) r.getAs("width")).isEqualTo(768);
      assertThat((Integer) r.getAs("people")).as("people in a vtest frame").isBetween(1, 12);
    });
    Map<String, String> errors = table(lake, Lake.FRAME_ERRORS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("path").replaceAll(".*/", ""), r -> r.<String>getAs("error_class")));
    assertThat(errors).containsEntry("20240501T120001.000.jpg", "EmptyFile")
        .containsEntry("20240501T120001.100.jpg", "Truncated")
        .containsEntry("notes.txt", "UnsupportedFormat");
    assertThat(streamed(lake)).as("flow_counts = batch recomputation").isEqualTo(recomputed(lake, "60 seconds"));
    assertThat(streamed(lake)).extracting(r -> r.getString(0) + "@" + r.getTimestamp(1).toInstant() + "=" + r.getLong(3))
        .containsExactly("north@2024-05-01T12:00:00Z=8", "south@2024-05-01T12:00:00Z=6");
    assertThat(h.progressLines()).as("one progress line per micro-batch").hasSize(3)
        .allSatisfy(l -> assertThat(l).contains("rows/s").contains("watermark").contains("behind"));
  }
}

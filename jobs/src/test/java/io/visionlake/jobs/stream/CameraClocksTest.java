package io.visionlake.jobs.stream;

import static io.visionlake.jobs.testing.FlowTables.recomputed;
import static io.visionlake.jobs.testing.FlowTables.streamed;
import static io.visionlake.jobs.testing.FlowTables.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Cameras with wrong clocks and files with old modification times, on the landing-folder stream
 * (real frames, real Spark, real Delta); each test restarts the stream once from its checkpoint.
 */
@IntegrationTest
class CameraClocksTest extends DeltaTestBase {
  static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");

  @Test
  void oneCamerasClockNeverMakesAnotherCamerasFramesLate() throws Exception {
    Path landing = tmp.resolve("landing");
    Path lake = tmp.resolve("lake");
    StreamingInferenceJob.Settings settings = StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), tmp.resolve("cp").toString())
        .trigger("available-now").analyzers("people").window("1m").watermark("2m");
    Instant aheadStart = T0.plus(1, ChronoUnit.DAYS);
    Instant future = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
    CameraFrames.land(landing, "gate", 100, 2, T0);           // 12:00:00.0, .1
    CameraFrames.land(landing, "ahead", 110, 2, aheadStart);  // a day ahead of gate, still in the past
    CameraFrames.landOne(landing, "ahead", 112, future);      // a clock a day ahead of real time
    StreamingInferenceJob.run(spark, settings).awaitTermination();
    CameraFrames.land(landing, "gate", 120, 2, T0.plusSeconds(200)); // on time for gate's own clock
    CameraFrames.landOne(landing, "ahead", 122, T0);                 // a day behind its own camera: late
    StreamingInferenceJob.Handle second = StreamingInferenceJob.run(spark, settings);
    second.awaitTermination();

    Map<String, Long> perCamera = table(lake, Lake.FRAMES).collectAsList().stream()
        .collect(Collectors.groupingBy(r -> r.<String>getAs("camera_id"), Collectors.counting()));
    assertThat(perCamera).as("gate's frames are on time whatever camera ahead says").containsOnly(Map.entry("gate", 4L), Map.entry("ahead", 2L));
    List<Row> late = table(lake, Lake.LATE_FRAMES).collectAsList();
    assertThat(late).as("late only against its own camera").extracting(r -> r.<String>getAs("camera_id") + "@"
            + r.getTimestamp(r.fieldIndex("captured_at")).toInstant() + " < " + r.getTimestamp(r.fieldIndex("watermark")).toInstant())
        .containsExactly("ahead@" + T0 + " < " + aheadStart.plusMillis(100).minusSeconds(120));
    List<Row> errors = table(lake, Lake.FRAME_ERRORS).collectAsList();
    assertThat(errors).hasSize(1);
    Row skew = errors.get(0);
    assertThat((String) skew.getAs("error_class")).isEqualTo("ClockSkew");
    assertThat((String) skew.getAs("camera_id")).isEqualTo("ahead");
    assertThat(skew.getTimestamp(skew.fieldIndex("captured_at")).toInstant()).isEqualTo(future);
    assertThat((String) skew.getAs("message")).contains("ahead", future.toString(), "spark.visionlake.stream.maxClockSkew");

    assertThat(streamed(lake)).as("flow_counts = batch recomputation").isEqualTo(recomputed(lake, "60 seconds"));
    List<String> windows = table(lake, Lake.FLOW_COUNTS).orderBy("camera_id", "window_start").collectAsList().stream()
        .map(r -> r.<String>getAs("camera_id") + "@" + r.getTimestamp(r.fieldIndex("window_start")).toInstant() + "=" + r.<Long>getAs("frames")
            + (r.<Boolean>getAs("final") ? " final" : ""))
        .toList();
    assertThat(windows).as("each camera's windows final by its own watermark").containsExactly(
        "ahead@" + aheadStart + "=2",
        "gate@" + T0 + "=2 final",                 // gate's watermark 12:01:20.1 has passed 12:01
        "gate@" + T0.plusSeconds(180) + "=2");
    assertThat(second.watermarks()).containsOnly(
        Map.entry("gate", T0.plusSeconds(200).plusMillis(100).minusSeconds(120)),
        Map.entry("ahead", aheadStart.plusMillis(100).minusSeconds(120)));
  }

  @Test
  void filesLandedWithOldModificationTimesAreProcessed() throws Exception {
    Path landing = tmp.resolve("landing");
    Path lake = tmp.resolve("lake");
    StreamingInferenceJob.Settings settings = StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), tmp.resolve("cp").toString())
        .trigger("available-now").analyzers("people");
    CameraFrames.landOne(landing, "dock", 130, T0); // modification time: now
    StreamingInferenceJob.run(spark, settings).awaitTermination();
    // As `cp -p` or `rsync -t` land them: the files keep modification times a month old.
    FileTime monthAgo = FileTime.from(Instant.now().minus(30, ChronoUnit.DAYS));
    for (int i = 1; i <= 2; i++) {
      Files.setLastModifiedTime(CameraFrames.landOne(landing, "dock", 130 + i, T0.plusSeconds(i)), monthAgo);
    }
    StreamingInferenceJob.run(spark, settings).awaitTermination();

    assertThat(table(lake, Lake.FRAMES).count()).as("every landed file is a frame, whatever its modification time").isEqualTo(3);
    assertThat(table(lake, Lake.FRAME_ERRORS).count()).isZero();
    assertThat(table(lake, Lake.LATE_FRAMES).count()).isZero();
  }
}

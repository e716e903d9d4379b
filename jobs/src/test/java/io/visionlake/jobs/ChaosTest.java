package io.visionlake.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.backfill.BackfillJob;
import io.visionlake.jobs.backfill.DayLayout;
import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.stream.StreamingInferenceJob;
import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.jobs.testing.ChildJvm;
import io.visionlake.jobs.testing.CrossingScene;
import io.visionlake.jobs.testing.DayFolders;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.jobs.testing.FlowTables;
import io.visionlake.jobs.testing.KillPoints;
import io.visionlake.jobs.testing.KillPoints.KillPoint;
import io.visionlake.jobs.testing.LakeAssertions;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Crash safety of every writing job: the batch job, the backfill and the stream each run in a child
 * JVM (the job's own main), are killed with SIGKILL at two points of their run (one before anything
 * is committed or mid-way, one between two commits of the same unit of work), then run again to the
 * end in this JVM. The lake must then equal the lake of one uninterrupted run: the same rows in
 * every table the job writes, run ids and timestamps aside.
 */
@IntegrationTest
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ChaosTest extends DeltaTestBase {
  private static final Duration CHILD_TIMEOUT = Duration.ofMinutes(5);
  private static final LocalDate DAY1 = LocalDate.parse("2024-06-01");
  private static final Instant T0 = Instant.parse("2024-05-02T07:00:00Z");

  @Test
  void batchKilledAtAnyPointThenRerunEqualsAnUninterruptedRun() throws Exception {
    Path input = Files.createDirectories(tmp.resolve("input"));
    for (String photo : List.of("dog.jpg", "baboon.jpg", "fruits.jpg")) {
      Files.copy(TestPaths.required("data/samples/photos/" + photo), input.resolve(photo));
    }
    byte[] dog = Files.readAllBytes(input.resolve("dog.jpg"));
    Files.write(input.resolve("truncated.jpg"), Arrays.copyOf(dog, dog.length / 3));
    Function<Path, BatchInferenceJob.Settings> settings = lake -> BatchInferenceJob.Settings.of(List.of(input.toString()), lake.toString(), "default");
    Path reference = tmp.resolve("reference");
    BatchInferenceJob.run(spark, settings.apply(reference));

    for (Function<Path, KillPoint> point : List.<Function<Path, KillPoint>>of(
        lake -> KillPoints.afterLog("scoring, nothing committed", lake.resolveSibling(lake.getFileName() + ".log"), "input file\\(s\\) in"),
        // images is created (commit 1) and then merged into (commit 2); image_errors and label_stats come after.
        lake -> KillPoints.afterCommits("images committed, image_errors and label_stats not yet", lake.resolve(Lake.IMAGES), 2))) {
      Path lake = tmp.resolve("lake-" + System.nanoTime());
      KillPoint kill = point.apply(lake);
      ChildJvm.killWhenReady(BatchInferenceJob.class, new String[] {"--input", input.toString(), "--lake", lake.toString(), "--quiet"},
          lake.resolveSibling(lake.getFileName() + ".log"), kill.reached(), CHILD_TIMEOUT, 50);
      BatchInferenceJob.run(spark, settings.apply(lake));
      assertSameLake("batch killed at: " + kill, reference, lake, 3, 1);
    }
  }

  @Test
  void backfillKilledAtAnyPointThenRerunEqualsAnUninterruptedRun() throws Exception {
    Path input = DayFolders.fashion(tmp.resolve("input"), DayLayout.HIVE, DAY1, 2, 3);
    Files.write(DayFolders.dayDir(input, DayLayout.HIVE, DAY1).resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2});
    Function<Path, BackfillJob.Settings> settings = lake -> new BackfillJob.Settings(input.toString(), lake.toString(), DAY1, DAY1.plusDays(1))
        .layout(DayLayout.HIVE).quiet(true);
    Path reference = tmp.resolve("reference");
    BackfillJob.run(spark, settings.apply(reference));

    for (Function<Path, KillPoint> point : List.<Function<Path, KillPoint>>of(
        // Tables are created first (commit 1); the first day's images replace is commit 2, then its
        // image_errors, label_stats and job_runs rows.
        lake -> KillPoints.afterCommits("day 1's images committed, the rest of day 1 not yet", lake.resolve(Lake.IMAGES), 2),
        lake -> KillPoints.afterLog("day 1 recorded done, day 2 under way", lake.resolveSibling(lake.getFileName() + ".log"),
            "Backfill " + DAY1 + ": \\d+ files = "))) {
      Path lake = tmp.resolve("lake-" + System.nanoTime());
      KillPoint kill = point.apply(lake);
      ChildJvm.killWhenReady(BackfillJob.class, new String[] {"--input", input.toString(), "--from", DAY1.toString(),
          "--to", DAY1.plusDays(1).toString(), "--lake", lake.toString(), "--quiet"},
          lake.resolveSibling(lake.getFileName() + ".log"), kill.reached(), CHILD_TIMEOUT, 50);
      BackfillJob.run(spark, settings.apply(lake));
      assertSameLake("backfill killed at: " + kill, reference, lake, 6, 1);
    }
  }

  /**
   * The stream with the objects tracker: camera hall is the rendered crossing scene (two walkers
   * cross the counting line between its frames 11 and 12), camera door real vtest frames, plus a
   * file that is not a frame. Its pasted walkers score low, so boxes are kept from 0.2 and tracks
   * start from 0.3, as in StreamTrackingTest.
   */
  private static final java.util.Map<String, String> TRACKING = java.util.Map.of("spark.visionlake.analyzer.objects.minScore", "0.2",
      "spark.visionlake.tracker.highScore", "0.3", "spark.visionlake.tracker.lowScore", "0.2");

  @Test
  void streamKilledAtAnyPointThenRestartedEqualsAnUninterruptedRun() throws Exception {
    Path landing = tmp.resolve("landing");
    CrossingScene.land(landing, "hall", T0, 6, 18);
    CameraFrames.land(landing, "door", 500, 6, T0.plusSeconds(20));
    Files.write(landing.resolve("camera=door").resolve("20240502T070030.000.jpg"), "not a frame".getBytes());
    Path cameras = Files.writeString(tmp.resolve("cameras.properties"),
        "hall.line.door=" + CrossingScene.LINE + "\nhall.zone.left=" + CrossingScene.ZONE + "\n");
    StringBuilder conf = new StringBuilder();
    TRACKING.forEach((k, v) -> conf.append(k).append('=').append(v).append('\n'));
    Path confFile = Files.writeString(tmp.resolve("tracking.properties"), conf.toString());
    TRACKING.forEach((k, v) -> spark.conf().set(k, v));
    try {
      // A watermark far behind the frames: nothing is late in any run, whatever its batches were, so
      // late_frames and the frames table do not depend on where a batch was cut.
      Path reference = tmp.resolve("reference");
      runStreamToTheEnd(landing, reference, cameras);
      assertThat(FlowTables.table(reference, Lake.LINE_CROSSINGS).count()).as("the scene's two crossings").isEqualTo(2);

      for (Function<Path, KillPoint> point : List.<Function<Path, KillPoint>>of(
          // frames is created (commit 1), batch 0 appends (commit 2), then the tracking tables and flow_counts.
          lake -> KillPoints.afterCommits("batch 0's frames committed, its tracks and counts not yet", lake.resolve(Lake.FRAMES), 2),
          // flow_counts: created, then one MERGE per batch; three commits = batch 1 fully written, batch 2 under way
          // (files are taken in path order, door's first, so hall's crossing falls in a later batch).
          lake -> KillPoints.afterCommits("two batches done, the third under way", lake.resolve(Lake.FLOW_COUNTS), 3))) {
        Path lake = tmp.resolve("lake-" + System.nanoTime());
        KillPoint kill = point.apply(lake);
        ChildJvm.killWhenReady(StreamingInferenceJob.class, new String[] {"--source", "dir:" + landing, "--lake", lake.toString(),
            "--checkpoint", lake + "-cp", "--trigger", "1s", "--max-per-trigger", "6", "--analyzers", "objects", "--window", "10s",
            "--watermark", "1h", "--cameras", cameras.toString(), "--conf-file", confFile.toString()},
            lake.resolveSibling(lake.getFileName() + ".log"), kill.reached(), CHILD_TIMEOUT, 50);
        runStreamToTheEnd(landing, lake, cameras);
        String what = "stream killed at: " + kill;
        assertSameRows(what, Lake.FRAMES, streamRows(reference, Lake.FRAMES), streamRows(lake, Lake.FRAMES), 18);
        assertSameRows(what, Lake.FRAME_ERRORS, streamRows(reference, Lake.FRAME_ERRORS), streamRows(lake, Lake.FRAME_ERRORS), 1);
        assertSameRows(what, Lake.LATE_FRAMES, streamRows(reference, Lake.LATE_FRAMES), streamRows(lake, Lake.LATE_FRAMES), 0);
        assertSameRows(what, Lake.LINE_CROSSINGS, streamRows(reference, Lake.LINE_CROSSINGS), streamRows(lake, Lake.LINE_CROSSINGS), 2);
        for (String t : List.of(Lake.TRACKS, Lake.ZONE_VISITS, Lake.OBJECT_COUNTS)) {
          Dataset<Row> expected = streamRows(reference, t);
          assertSameRows(what, t, expected, streamRows(lake, t), expected.count());
        }
        assertThat(FlowTables.streamed(lake)).as("%s: flow_counts", what).isEqualTo(FlowTables.streamed(reference));
      }
    } finally {
      TRACKING.keySet().forEach(k -> spark.conf().unset(k));
    }
  }

  private static void runStreamToTheEnd(Path landing, Path lake, Path cameras) throws Exception {
    StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), lake + "-cp")
        .trigger("available-now").maxPerTrigger(6).analyzers("objects").window("10s").watermark("1h").cameras(cameras)).awaitTermination();
  }

  /** A stream table's rows without what differs between runs by nature: batch ids, stream ids, timestamps of the run. */
  private static Dataset<Row> streamRows(Path lake, String table) {
    Dataset<Row> rows = FlowTables.table(lake, table);
    List<String> columns = java.util.Arrays.asList(rows.columns());
    // The killed run scored some frames in the child JVM, the reference in this one: TensorFlow may
    // sum in another order there and a score differ in its last bits. Boxes must be equal; scores to 4 decimals.
    if (columns.contains("objects") && rows.schema().apply("objects").dataType() instanceof org.apache.spark.sql.types.ArrayType) {
      rows = rows.withColumn("objects", org.apache.spark.sql.functions.expr("transform(objects, o -> named_struct('label', o.label,"
          + " 'score', round(o.score, 4), 'x', o.x, 'y', o.y, 'w', o.w, 'h', o.h, 'track_id', o.track_id))"));
    }
    if (columns.contains("max_score")) {
      rows = rows.withColumn("max_score", org.apache.spark.sql.functions.round(org.apache.spark.sql.functions.col("max_score"), 4));
    }
    return rows.drop("model_versions", "processed_at", "stream", "batch_id", "stream_id", "failed_at", "arrived_at", "watermark", "message",
        "updated_at", "final");
  }

  private static void assertSameRows(String what, String table, Dataset<Row> expected, Dataset<Row> actual, long rows) {
    assertThat(expected.count()).as("%s: %s rows of the uninterrupted run", what, table).isEqualTo(rows);
    assertThat(actual.exceptAll(expected).collectAsList()).as("%s: %s rows not in the uninterrupted run (twice, or different)", what, table)
        .isEmpty();
    assertThat(expected.exceptAll(actual).collectAsList()).as("%s: %s rows missing", what, table).isEmpty();
  }

  private static void assertSameLake(String what, Path reference, Path lake, long images, long errors) {
    try {
      LakeAssertions.assertSameTables(spark, reference.toString(), lake.toString(), images, errors);
    } catch (AssertionError e) {
      throw new AssertionError(what + ": " + e.getMessage(), e);
    }
  }
}

package io.visionlake.jobs.backfill;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.stream.StreamingInferenceJob;
import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.jobs.testing.DayFolders;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.jobs.testing.FlowTables;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A backfill and the real streaming job write the same lake at the same time: the stream MERGEs
 * flow_counts every micro-batch while the backfill recomputes flow_counts for the same day (and
 * writes images, label_stats and job_runs). Conflicting commits are retried; afterwards no frame and
 * no image is lost or doubled, and flow_counts still equals a batch recomputation over frames.
 */
@IntegrationTest
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class BackfillWithStreamTest extends DeltaTestBase {
  static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");
  static final LocalDate DAY = LocalDate.parse("2024-05-01");

  @Test
  void backfillAndStreamOnOneLakeLoseAndDuplicateNothing() throws Exception {
    Path landing = CameraFrames.land(tmp.resolve("landing"), "hall", 0, 6, T0);
    Path lake = tmp.resolve("lake");
    Path input = DayFolders.fashion(tmp.resolve("input"), DayLayout.HIVE, DAY, 3, 20);

    StreamingInferenceJob.Handle stream = StreamingInferenceJob.run(spark,
        StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), tmp.resolve("cp").toString())
            .trigger("1s").maxPerTrigger(4).analyzers("people").window("10s"));
    AtomicBoolean landingOn = new AtomicBoolean(true);
    AtomicInteger landed = new AtomicInteger(6);
    Thread camera = new Thread(() -> {
      // keeps the stream busy during the backfill: a frame every two seconds, on the backfilled day
      for (int i = 0; landingOn.get() && i < 8; i++) {
        try {
          CameraFrames.landOne(landing, "door", 100 + i, T0.plusSeconds(30).plusMillis(100L * i));
          landed.incrementAndGet();
          Thread.sleep(2000);
        } catch (Exception e) {
          return;
        }
      }
    }, "camera");
    BackfillJob.Result result;
    try {
      waitForFlowCounts(lake);
      camera.start();
      result = BackfillJob.run(spark, new BackfillJob.Settings(input.toString(), lake.toString(), DAY, DAY.plusDays(2))
          .parallelDays(2).quiet(true));
    } finally {
      landingOn.set(false);
      camera.join();
    }
    assertThat(stream.query().isActive()).as("the stream survived the backfill: %s", stream.query().exception()).isTrue();
    stream.query().processAllAvailable();
    stream.stop();

    assertThat(result.failed()).as("%s", result.days()).isZero();
    assertThat(result.processed()).isEqualTo(3);
    Dataset<Row> images = spark.read().format("delta").load(lake.resolve(Lake.IMAGES).toString());
    assertThat(images.count()).isEqualTo(60);
    assertThat(images.select("path").distinct().count()).as("no image twice").isEqualTo(60);
    assertThat(images.groupBy("ingest_date").count().count()).isEqualTo(3);

    Dataset<Row> frames = FlowTables.table(lake, Lake.FRAMES);
    assertThat(frames.count() + FlowTables.table(lake, Lake.LATE_FRAMES).count())
        .as("every landed frame once").isEqualTo(landed.get());
    assertThat(frames.select("path").distinct().count()).as("no frame twice").isEqualTo(frames.count());
    assertThat(FlowTables.streamed(lake)).as("flow_counts = batch recomputation over frames")
        .isEqualTo(FlowTables.recomputed(lake, "10 seconds"));
    Dataset<Row> flow = FlowTables.table(lake, Lake.FLOW_COUNTS);
    assertThat(flow.select("camera_id", "window_start").distinct().count()).as("one row per camera and window").isEqualTo(flow.count());
    assertThat(spark.read().format("delta").load(lake.resolve(Lake.JOB_RUNS).toString())
        .filter(col("job").equalTo("backfill").and(col("status").equalTo("SUCCEEDED"))).count()).isEqualTo(3);
  }

  private static void waitForFlowCounts(Path lake) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 900_000; // minutes per micro-batch on a loaded machine
    while (System.currentTimeMillis() < deadline) {
      if (Files.isDirectory(lake.resolve(Lake.FLOW_COUNTS).resolve("_delta_log"))
          && spark.read().format("delta").load(lake.resolve(Lake.FLOW_COUNTS).toString()).count() > 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the stream wrote no flow_counts within 900 s");
  }
}

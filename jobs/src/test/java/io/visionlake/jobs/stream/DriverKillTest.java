package io.visionlake.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.jobs.testing.ChildJvm;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.jobs.testing.FlowTables;
import io.visionlake.jobs.testing.KillPoints;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Exactly once through a driver crash: the stream runs in a child JVM (the job's own main), is
 * killed with SIGKILL after it has committed some micro-batches, and a restart from the same
 * checkpoint finishes the job; flow_counts then equal a batch recomputation over the frames.
 */
@IntegrationTest
class DriverKillTest extends DeltaTestBase {
  static final Instant T0 = Instant.parse("2024-05-02T07:00:00Z");

  @Test
  void killMinus9TheDriverThenRestartFromTheCheckpoint() throws Exception {
    Path landing = CameraFrames.land(tmp.resolve("landing"), "hall", 0, 12, T0);
    CameraFrames.land(landing, "door", 500, 12, T0.plusSeconds(20));
    Path lake = tmp.resolve("lake");
    Path checkpoint = tmp.resolve("cp");
    String[] jobArgs = {"--source", "dir:" + landing, "--lake", lake.toString(), "--checkpoint", checkpoint.toString(),
        "--trigger", "1s", "--max-per-trigger", "4", "--analyzers", "people", "--window", "10s"};

    // Table creation is version 0; wait for two micro-batch commits, then kill without warning.
    ChildJvm.killWhenReady(StreamingInferenceJob.class, jobArgs, tmp.resolve("driver.log"),
        () -> KillPoints.commits(lake.resolve(Lake.FRAMES)) >= 3, Duration.ofSeconds(180), 100);
    long afterKill = spark.read().format("delta").load(lake.resolve(Lake.FRAMES).toString()).count();
    assertThat(afterKill).as("killed mid-run").isBetween(1L, 23L);

    StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), checkpoint.toString())
        .trigger("available-now").maxPerTrigger(4).analyzers("people").window("10s")).awaitTermination();

    Dataset<Row> frames = FlowTables.table(lake, Lake.FRAMES);
    assertThat(frames.count()).as("every frame once").isEqualTo(24);
    assertThat(frames.select("path").distinct().count()).as("no frame twice").isEqualTo(24);
    assertThat(FlowTables.streamed(lake)).as("flow_counts = batch recomputation")
        .isEqualTo(FlowTables.recomputed(lake, "10 seconds"));
  }
}

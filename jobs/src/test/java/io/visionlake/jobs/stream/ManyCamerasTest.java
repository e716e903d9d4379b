package io.visionlake.jobs.stream;

import static io.visionlake.jobs.testing.FlowTables.recomputed;
import static io.visionlake.jobs.testing.FlowTables.streamed;
import static io.visionlake.jobs.testing.FlowTables.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A camera network through one query: {@code replay-camera --fan-out 50} lands one video as 50
 * cameras, each from another point of the video, and the stream counts each camera's windows
 * exactly, across micro-batches that each hold many cameras and a restart.
 */
@IntegrationTest
class ManyCamerasTest extends DeltaTestBase {
  static final int CAMERAS = 50;

  private static int replay(Path landing, String start) {
    return new CommandLine(new ReplayCamera()).execute("--frames", TestPaths.required("data/samples/cameras").toString(), "--camera", "cam",
        "--to", "dir:" + landing, "--fan-out", Integer.toString(CAMERAS), "--fps", "2", "--speed", "0", "--limit", "2", "--start", start);
  }

  @Test
  void fiftyCamerasThroughOneQueryAreEachCountedExactly() throws Exception {
    Path landing = tmp.resolve("landing");
    assertThat(replay(landing, "2024-05-01T08:00:00Z")).isZero();
    try (var dirs = Files.list(landing)) {
      assertThat(dirs.count()).isEqualTo(CAMERAS);
    }
    assertThat(Files.readAllBytes(landing.resolve("camera=cam-01/20240501T080000.000.jpg")))
        .as("each camera replays another point of the video")
        .isNotEqualTo(Files.readAllBytes(landing.resolve("camera=cam-02/20240501T080000.000.jpg")));
    Path lake = tmp.resolve("lake");
    StreamingInferenceJob.Settings settings = StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), tmp.resolve("cp").toString())
        .trigger("available-now").analyzers("people").window("10s").maxPerTrigger(40);
    StreamingInferenceJob.run(spark, settings).awaitTermination();

    // A second second of every camera, after a restart: the same windows grow.
    assertThat(replay(landing, "2024-05-01T08:00:01Z")).isZero();
    StreamingInferenceJob.run(spark, settings).awaitTermination();

    Map<String, Long> perCamera = table(lake, Lake.FRAMES).groupBy("camera_id").count().collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    assertThat(perCamera).hasSize(CAMERAS);
    assertThat(perCamera.values()).as("every camera's frames, once").containsOnly(4L);
    assertThat(streamed(lake)).as("flow_counts = batch recomputation, all cameras").hasSize(CAMERAS)
        .isEqualTo(recomputed(lake, "10 seconds"));
    assertThat(table(lake, Lake.FLOW_COUNTS).filter("frames = 4").count()).as("one window per camera, all its frames").isEqualTo(CAMERAS);
  }

  @Test
  void aBurstFromOneCameraDoesNotStarveTheOthers() throws Exception {
    // An outage's backlog: 24 frames of one camera, uploaded before the others' live frames.
    Path landing = tmp.resolve("landing");
    java.time.Instant t0 = java.time.Instant.parse("2024-05-01T08:00:00Z");
    Path burst = io.visionlake.jobs.testing.CameraFrames.land(landing, "backlog", 0, 24, t0);
    try (var files = Files.list(burst.resolve("camera=backlog"))) {
      for (Path f : files.toList()) { // older than every other file: first in line by modification time
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(3600)));
      }
    }
    for (String camera : new String[] {"door", "gate", "yard"}) {
      io.visionlake.jobs.testing.CameraFrames.land(landing, camera, 100, 2, t0.plusSeconds(30));
    }
    Path lake = tmp.resolve("lake");
    StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), tmp.resolve("cp").toString())
        .trigger("available-now").analyzers("people").window("10s").maxPerTrigger(8)).awaitTermination();

    assertThat(table(lake, Lake.FRAMES).filter("batch_id = 0").select("camera_id").distinct().collectAsList())
        .extracting(r -> r.getString(0)).as("the first micro-batch serves every camera")
        .containsExactlyInAnyOrder("backlog", "door", "gate", "yard");
    assertThat(table(lake, Lake.FRAMES).count()).as("and the backlog is still taken, every frame once").isEqualTo(30);
    assertThat(streamed(lake)).isEqualTo(recomputed(lake, "10 seconds"));
  }
}

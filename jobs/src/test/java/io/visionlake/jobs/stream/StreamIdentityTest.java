package io.visionlake.jobs.stream;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.jobs.testing.DeltaTestBase;

import static io.visionlake.jobs.testing.FlowTables.recomputed;
import static io.visionlake.jobs.testing.FlowTables.streamed;
import static io.visionlake.jobs.testing.FlowTables.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A stream's identity is its checkpoint, not its query name: streams sharing a name never skip each
 * other's writes, and a restart that would change what the checkpoint means is refused.
 */
@IntegrationTest
class StreamIdentityTest extends DeltaTestBase {
  static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");

  @Test
  void twoStreamsWithTheDefaultQueryNameIntoOneLakeBothLandEveryFrame() throws Exception {
    Path north = CameraFrames.land(tmp.resolve("landing-north"), "north", 100, 6, T0);
    Path south = CameraFrames.land(tmp.resolve("landing-south"), "south", 300, 6, T0.plusSeconds(5));
    Path lake = tmp.resolve("lake");

    // Each stream has its own checkpoint, so each one's batch ids start at 0; both keep the default query name.
    StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + north, lake.toString(), tmp.resolve("cp-north").toString())
        .trigger("available-now").analyzers("people")).awaitTermination();
    StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + south, lake.toString(), tmp.resolve("cp-south").toString())
        .trigger("available-now").analyzers("people")).awaitTermination();

    Map<String, Long> perCamera = table(lake, Lake.FRAMES).collectAsList().stream()
        .collect(Collectors.groupingBy(r -> r.<String>getAs("camera_id"), Collectors.counting()));
    assertThat(perCamera).as("frames per camera: the second stream's batch 0 must not be taken for the first's")
        .isEqualTo(Map.of("north", 6L, "south", 6L));
    assertThat(table(lake, Lake.FRAMES).select("stream").distinct().collectAsList()).extracting(r -> r.getString(0))
        .as("the query name stays in the stream column for people").containsExactly(StreamingInferenceJob.DEFAULT_QUERY_NAME);
    assertThat(table(lake, Lake.FRAMES).select("camera_id", "stream_id").distinct().collectAsList())
        .as("one stream id per checkpoint").hasSize(2)
        .extracting(r -> r.getString(1)).doesNotHaveDuplicates();
    assertThat(streamed(lake)).as("flow_counts = batch recomputation").isEqualTo(recomputed(lake, "60 seconds"));
  }

  @Test
  void aRestartWithAChangedWindowOrSourceIsRefusedAndTheOriginalStillResumes() throws Exception {
    Path landing = CameraFrames.land(tmp.resolve("landing"), "gate", 100, 3, T0);
    Path lake = tmp.resolve("lake");
    String checkpoint = tmp.resolve("cp").toString();
    StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), checkpoint)
        .trigger("available-now").analyzers("people").window("1m")).awaitTermination();

    assertThatThrownBy(() -> StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), checkpoint)
        .trigger("available-now").analyzers("people").window("30s")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--window 30s")
        .hasMessageContaining("60s")
        .hasMessageContaining(checkpoint)
        .hasMessageContaining("new --checkpoint");
    Path other = CameraFrames.land(tmp.resolve("other"), "gate", 200, 2, T0.plusSeconds(1));
    assertThatThrownBy(() -> StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + other, lake.toString(), checkpoint)
        .trigger("available-now").analyzers("people").window("1m")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--source dir:" + other)
        .hasMessageContaining("dir:" + landing)
        .hasMessageContaining("new --checkpoint");
    assertThat(table(lake, Lake.FRAMES).count()).as("nothing written by a refused restart").isEqualTo(3);

    // The same settings resume (a different query name is only a label and is accepted).
    CameraFrames.landOne(landing, "gate", 110, T0.plusSeconds(2));
    StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), checkpoint)
        .trigger("available-now").analyzers("people").window("1m").queryName("gate-stream")).awaitTermination();
    assertThat(table(lake, Lake.FRAMES).count()).as("the new frame, once").isEqualTo(4);
    assertThat(table(lake, Lake.FRAMES).select("stream_id").distinct().count()).as("one checkpoint, one stream id").isEqualTo(1);
    assertThat(streamed(lake)).isEqualTo(recomputed(lake, "60 seconds"));
  }

  @Test
  void aCheckpointWithoutOpenWindowsResumesThemFromTheLake() throws Exception {
    // Two frames open the window [12:00, 12:01) and a second camera's.
    Path landing = CameraFrames.land(tmp.resolve("landing"), "gate", 100, 2, T0);
    CameraFrames.landOne(landing, "yard", 150, T0.plusSeconds(3));
    Path lake = tmp.resolve("lake");
    String checkpoint = tmp.resolve("cp").toString();
    StreamingInferenceJob.Settings settings = StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), checkpoint)
        .trigger("available-now").analyzers("people").window("1m");
    StreamingInferenceJob.run(spark, settings).awaitTermination();

    // What a checkpoint of an earlier version holds: camera maxima and trackers, no open windows.
    Path states = Path.of(checkpoint, CameraWatermarks.DIR);
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    int stripped = 0;
    try (var files = java.nio.file.Files.list(states)) {
      for (Path f : files.filter(f -> f.getFileName().toString().matches("\\d+")).toList()) {
        var state = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(f.toFile());
        if (state.remove("windows") != null) {
          stripped++;
        }
        json.writeValue(f.toFile(), state);
        // Hadoop's local file system keeps a checksum beside each file: the edited file has none.
        java.nio.file.Files.deleteIfExists(f.resolveSibling("." + f.getFileName() + ".crc"));
      }
    }
    assertThat(stripped).as("the stream keeps its open windows in the checkpoint").isPositive();

    // More frames of the same windows: the counts must cover the frames before the upgrade too.
    CameraFrames.landOne(landing, "gate", 110, T0.plusSeconds(20));
    CameraFrames.landOne(landing, "yard", 160, T0.plusSeconds(30));
    StreamingInferenceJob.run(spark, settings).awaitTermination();
    assertThat(table(lake, Lake.FRAMES).count()).isEqualTo(5);
    assertThat(streamed(lake)).as("flow_counts = batch recomputation").isEqualTo(recomputed(lake, "60 seconds"));
    assertThat(table(lake, Lake.FLOW_COUNTS).filter("camera_id = 'gate'").first().<Long>getAs("frames"))
        .as("the window's frames before and after the restart").isEqualTo(3L);
  }
}

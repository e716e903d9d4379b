package io.visionlake.jobs.stream;

import static io.visionlake.jobs.testing.FlowTables.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.lake.ObjectCounts;
import io.visionlake.jobs.testing.CrossingScene;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Tracks, line crossings, zone visits and per-class counts on a rendered sequence with known truth
 * ({@link CrossingScene}: two real people walking across a line in opposite directions, one zone),
 * through the real stream: CenterNet on every frame, the tracker, Delta. The pasted people score
 * lower than in their photo (0.21-0.58, some frames missed), so the run keeps boxes from 0.2 and
 * starts tracks from 0.3: the low-score boxes only continue tracks (ByteTrack's second stage).
 */
@IntegrationTest
class StreamTrackingTest extends DeltaTestBase {
  static final Instant T0 = Instant.parse("2024-05-01T08:00:00Z");
  static final java.util.Map<String, String> CONF = java.util.Map.of("spark.visionlake.analyzer.objects.minScore", "0.2",
      "spark.visionlake.tracker.highScore", "0.3", "spark.visionlake.tracker.lowScore", "0.2");

  private Path camerasFile() throws Exception {
    return Files.writeString(tmp.resolve("cameras.properties"),
        "gate.line.door=" + CrossingScene.LINE + "\ngate.zone.left=" + CrossingScene.ZONE + "\n");
  }

  private StreamingInferenceJob.Settings settings(Path landing, Path lake, Path checkpoint, Path cameras) {
    return StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), checkpoint.toString())
        .trigger("available-now").maxPerTrigger(12).analyzers("objects").window("10s").watermark("1m").cameras(cameras);
  }

  @Test
  void countsEqualTheTruthAndARestartMidCrossingChangesNothing() throws Exception {
    CONF.forEach((k, v) -> spark.conf().set(k, v));
    try {
      run();
    } finally {
      CONF.keySet().forEach(k -> spark.conf().unset(k));
    }
  }

  private void run() throws Exception {
    Path cameras = camerasFile();
    // Uninterrupted: all 24 frames, two micro-batches.
    Path landing = tmp.resolve("landing");
    CrossingScene.land(landing, "gate", T0, 0, CrossingScene.FRAMES);
    Path lake = tmp.resolve("lake");
    StreamingInferenceJob.run(spark, settings(landing, lake, tmp.resolve("cp"), cameras)).awaitTermination();

    List<Row> crossings = table(lake, Lake.LINE_CROSSINGS).collectAsList();
    // Both anchors pass x = 434 between frames 11 and 12: each crossing is frame 12's.
    Instant crossedAt = T0.plusMillis(12 * CrossingScene.FRAME_MILLIS);
    assertThat(crossings).as("A out, B in: %s", crossings).hasSize(2)
        .allSatisfy(r -> assertThat(r.<String>getAs("label")).isEqualTo("person"))
        .allSatisfy(r -> assertThat(r.getTimestamp(r.fieldIndex("crossed_at")).toInstant()).isEqualTo(crossedAt))
        .extracting(r -> r.<String>getAs("direction")).containsExactlyInAnyOrder("in", "out");

    List<Row> tracks = table(lake, Lake.TRACKS).filter("label = 'person'").collectAsList();
    assertThat(tracks).as("two person tracks, whatever the flicker: %s", tracks).hasSize(2);
    Row a = tracks.stream().filter(r -> r.<Integer>getAs("first_x") < 434).findFirst().orElseThrow();
    assertThat(a.<Long>getAs("frames")).as("A, seen in nearly every frame").isGreaterThanOrEqualTo(CrossingScene.FRAMES - 3L);
    assertThat(a.getTimestamp(a.fieldIndex("first_seen")).toInstant()).as("A's first tentative frame").isEqualTo(T0);

    List<Row> visits = table(lake, Lake.ZONE_VISITS).filter("label = 'person'").collectAsList();
    assertThat(visits).as("A left the zone; B is still in it when the frames end").singleElement()
        .satisfies(v -> assertThat(v.<Double>getAs("dwell_s"))
            .as("entered in frame 0, first outside in frame %d", CrossingScene.framesInZone())
            .isEqualTo(CrossingScene.framesInZone() * CrossingScene.FRAME_MILLIS / 1000.0));

    List<Row> counts = table(lake, Lake.OBJECT_COUNTS).filter("label = 'person'").orderBy("window_start").collectAsList();
    assertThat(counts).as("12 s of frames in 10 s windows").hasSize(2);
    assertThat(counts).allSatisfy(r -> assertThat(r.<Long>getAs("objects")).as("both people in each window").isEqualTo(2L));
    assertThat(counts.stream().mapToLong(r -> r.<Long>getAs("crossings_out")).sum()).isEqualTo(1L);
    assertThat(counts.stream().mapToLong(r -> r.<Long>getAs("crossings_in")).sum()).isEqualTo(1L);
    assertThat(table(lake, Lake.FLOW_COUNTS).collectAsList()).allSatisfy(r ->
        assertThat(r.<Long>getAs("people")).as("distinct person tracks, not detections").isEqualTo(2L));
    assertThat(project(table(lake, Lake.OBJECT_COUNTS).drop("final")))
        .as("the streamed counts equal a batch recomputation from frames and crossings")
        .isEqualTo(project(ObjectCounts.of(table(lake, Lake.FRAMES), TrackTables.frameKey(),
            table(lake, Lake.TRACKS), table(lake, Lake.LINE_CROSSINGS), "10 seconds")));

    // Stopped between frames 11 and 12, the person's anchor one step before the line, then restarted.
    Path landing2 = tmp.resolve("landing2");
    Path lake2 = tmp.resolve("lake2");
    CrossingScene.land(landing2, "gate", T0, 0, 12);
    StreamingInferenceJob.run(spark, settings(landing2, lake2, tmp.resolve("cp2"), cameras)).awaitTermination();
    assertThat(table(lake2, Lake.LINE_CROSSINGS).filter("label = 'person'").count()).as("not crossed yet").isZero();
    CrossingScene.land(landing2, "gate", T0, 12, CrossingScene.FRAMES);
    StreamingInferenceJob.run(spark, settings(landing2, lake2, tmp.resolve("cp2"), cameras)).awaitTermination();
    for (String t : List.of(Lake.LINE_CROSSINGS, Lake.ZONE_VISITS)) {
      assertThat(project(table(lake2, t))).as(t + " after a restart").isEqualTo(project(table(lake, t)));
    }
    assertThat(project(table(lake2, Lake.TRACKS))).isEqualTo(project(table(lake, Lake.TRACKS)));
    assertThat(project(table(lake2, Lake.OBJECT_COUNTS).drop("final"))).isEqualTo(project(table(lake, Lake.OBJECT_COUNTS).drop("final")));
  }

  /** A table's rows without the columns that differ between runs (ids, batch numbers, times written). */
  private static List<String> project(Dataset<Row> d) {
    return d.drop("stream_id", "batch_id", "updated_at").collectAsList().stream().map(Row::toString).sorted().collect(Collectors.toList());
  }
}

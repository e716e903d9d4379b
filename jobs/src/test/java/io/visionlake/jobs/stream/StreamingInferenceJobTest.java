package io.visionlake.jobs.stream;

import static io.visionlake.jobs.testing.FlowTables.recomputed;
import static io.visionlake.jobs.testing.FlowTables.streamed;
import static io.visionlake.jobs.testing.FlowTables.table;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The landing-folder stream end to end on real frames, real Spark and real Delta. */
@IntegrationTest
class StreamingInferenceJobTest extends DeltaTestBase {
  static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");

  @Test
  void landingFolderEndToEndWithBadFrames() throws Exception {
    Path landing = CameraFrames.land(tmp.resolve("landing"), "north", 100, 8, T0);
    CameraFrames.land(landing, "south", 300, 6, T0.plusSeconds(50));
    Path bad = Files.createDirectories(landing.resolve("camera=north"));
    Files.write(bad.resolve("20240501T120001.000.jpg"), new byte[0]);
    byte[] jpeg = Files.readAllBytes(CameraFrames.frame(10));
    Files.write(bad.resolve("20240501T120001.100.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
    Files.write(bad.resolve("notes.txt"), "not a frame".getBytes(StandardCharsets.UTF_8));
    Path lake = tmp.resolve("lake");

    StreamingInferenceJob.Handle h = StreamingInferenceJob.run(spark,
        StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), tmp.resolve("cp").toString())
            .trigger("available-now").maxPerTrigger(6).analyzers("people").cleanSource("archive", tmp.resolve("archive").toString()));
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

    // stream_metrics: a row per micro-batch, appended when the query ended (the interval is 60 s).
    assertThat(frames).allSatisfy(r -> assertThat((Object) r.getAs("landed_at")).as("landed_at").isNotNull());
    List<Row> metrics = table(lake, Lake.STREAM_METRICS).orderBy("batch_id").collectAsList();
    assertThat(metrics).extracting(r -> r.<Long>getAs("batch_id")).containsExactly(0L, 1L, 2L);
    assertThat(metrics.stream().mapToLong(r -> r.<Long>getAs("frames")).sum()).as("frames in metrics").isEqualTo(14);
    assertThat(metrics.stream().mapToLong(r -> r.<Long>getAs("errors")).sum()).as("errors in metrics").isEqualTo(3);
    assertThat(metrics).allSatisfy(r -> {
      assertThat(r.<String, Long>getJavaMap(r.fieldIndex("phase_ms"))).as("phases").containsKeys("score", "windows", "writes", "state", "commits");
      assertThat(r.<Long>getAs("duration_ms")).isPositive();
      assertThat(r.<Long>getAs("backlog")).as("backlog the progress line reported").isNotNull();
      if (r.<Long>getAs("frames") > 0) {
        assertThat(r.<Long>getAs("latency_p95_ms")).isGreaterThanOrEqualTo(r.<Long>getAs("latency_p50_ms"))
            .isLessThanOrEqualTo(r.<Long>getAs("latency_max_ms"));
        assertThat(r.<Long>getAs("latency_p50_ms")).isNotNegative();
      }
    });
    assertThat(metrics.get(2).<Long>getAs("backlog")).as("nothing waits after the last batch").isZero();

    // --clean-source archive: a committed batch's files left the landing folder for the archive,
    // under the same relative path (a batch is committed when the next is planned, so the last
    // batch's files are still waiting for the next start); no file is lost or in both places.
    List<String> landed = relativeFiles(landing);
    List<String> archived = relativeFiles(tmp.resolve("archive"));
    assertThat(archived).as("batches 0 and 1 archived").hasSize(12).allSatisfy(f -> assertThat(f).startsWith("camera="));
    assertThat(landed).as("the last batch's files still landed").hasSize(5).doesNotContainAnyElementsOf(archived);
  }

  private static List<String> relativeFiles(Path root) throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).map(f -> root.relativize(f).toString()).filter(f -> !f.startsWith(".")).sorted().toList();
    }
  }

  @Test
  void stopMidRunRestartFromCheckpointIsExactlyOnceAndBatchesStayBounded() throws Exception {
    Path landing = tmp.resolve("landing");
    CameraFrames.land(landing, "east", 0, 20, T0);
    CameraFrames.land(landing, "west", 400, 20, T0.plusSeconds(30));
    Path lake = tmp.resolve("lake");
    Path checkpoint = tmp.resolve("cp");
    // 40 frames waiting, 8 per trigger: 5x more than one batch takes.
    StreamingInferenceJob.Settings settings = StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), checkpoint.toString())
        .trigger("1s").maxPerTrigger(8).analyzers("people").window("30s");
    StreamingInferenceJob.Handle first = StreamingInferenceJob.run(spark, settings);
    long deadline = System.currentTimeMillis() + 120_000;
    while (first.batchRows().size() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    first.stop(); // mid-run: stops inside or between batches
    long before = table(lake, Lake.FRAMES).count();
    assertThat(before).as("stopped before the end").isLessThan(40);
    assertThat(first.progressLines()).first().asString().contains("behind");
    assertThat(Integer.parseInt(first.progressLines().get(0).replaceAll(".*behind: (\\d+) file.*", "$1")))
        .as("backlog after the first batch").isGreaterThanOrEqualTo(8);

    StreamingInferenceJob.Handle second = StreamingInferenceJob.run(spark, settings.trigger("available-now"));
    second.awaitTermination();
    List<Long> sizes = new java.util.ArrayList<>(first.batchRows());
    sizes.addAll(second.batchRows());
    assertThat(sizes).as("every micro-batch bounded by maxFilesPerTrigger").allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(8));
    Dataset<Row> frames = table(lake, Lake.FRAMES);
    assertThat(frames.count()).as("every frame once").isEqualTo(40);
    assertThat(frames.select("camera_id", "captured_at").distinct().count()).as("no frame twice").isEqualTo(40);
    assertThat(streamed(lake)).as("flow_counts = batch recomputation over the same frames").isEqualTo(recomputed(lake, "30 seconds"));
    assertThat(table(lake, Lake.FLOW_COUNTS).agg(org.apache.spark.sql.functions.sum("frames")).first().getLong(0)).isEqualTo(40);
    // A batch both runs executed (stopped after its writes, before Spark recorded it) has one metrics row.
    Dataset<Row> metrics = table(lake, Lake.STREAM_METRICS);
    assertThat(metrics.count()).as("one metrics row per batch id").isEqualTo(metrics.select("batch_id").distinct().count());
    assertThat(metrics.agg(org.apache.spark.sql.functions.sum("frames")).first().getLong(0)).as("frames over metrics rows").isEqualTo(40);

    // Replaying a batch id the table has already seen adds nothing (Delta txnAppId/txnVersion).
    long framesVersion = io.delta.tables.DeltaTable.forPath(spark, lake.resolve(Lake.FRAMES).toString()).history(1).first().<Long>getAs("version");
    replay(lake, landing, checkpoint, 0L);
    assertThat(table(lake, Lake.FRAMES).count()).as("replayed batch 0 adds no rows").isEqualTo(40);
    assertThat(streamed(lake)).isEqualTo(recomputed(lake, "30 seconds"));
    assertThat(framesVersion).isNotNegative();
  }

  /**
   * Any landed name is a frame ('_' names and folders included) under the path batch writes for it
   * (Hadoop's Path.toString()); a dot-file is skipped and counted; a FIFO and a symlink to /dev/zero
   * are NotARegularFile rows, never a hang. Then the crash case: batch 0 planned, the sink never wrote
   * it (a fresh lake), one of its frames deleted meanwhile: the replay makes it a FileVanished row
   * and finishes. The timeout only turns a hang into a failure.
   */
  @Test
  @Timeout(value = 20, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void anyNameIsAFrameAndUnreadableFilesAreErrorRowsEvenOnReplay() throws Exception {
    Path landing = tmp.resolve("landing");
    Path north = Files.createDirectories(landing.resolve("camera=north"));
    Files.copy(CameraFrames.frame(100), north.resolve("_DSC0001.jpg"));
    Files.copy(CameraFrames.frame(101), Files.createDirectories(north.resolve("_raw")).resolve("20240501T120000.100.jpg"));
    Path odd = Files.copy(CameraFrames.frame(102), north.resolve("IMG 1%#\u00e9.jpg"));
    Files.copy(CameraFrames.frame(103), north.resolve(".upload.jpg"));
    assertThat(new ProcessBuilder("mkfifo", north.resolve("pipe.jpg").toString()).inheritIO().start().waitFor()).isZero();
    Files.createSymbolicLink(north.resolve("zero.jpg"), java.nio.file.Paths.get("/dev/zero"));
    Path lake = tmp.resolve("lake");
    Path checkpoint = tmp.resolve("cp");
    StreamingInferenceJob.Settings settings = StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), checkpoint.toString())
        .trigger("available-now").analyzers("people");

    StreamingInferenceJob.Handle h = StreamingInferenceJob.run(spark, settings);
    h.awaitTermination();

    List<String> paths = table(lake, Lake.FRAMES).select("path").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertThat(paths).as("every non-hidden image, with batch's path form").containsExactlyInAnyOrder(
        "file:" + north.resolve("_DSC0001.jpg"), "file:" + north.resolve("_raw/20240501T120000.100.jpg"), "file:" + odd);
    Map<String, String> errors = table(lake, Lake.FRAME_ERRORS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("path").replaceAll(".*/", ""), r -> r.<String>getAs("error_class")));
    assertThat(errors).containsOnly(Map.entry("pipe.jpg", "NotARegularFile"), Map.entry("zero.jpg", "NotARegularFile"));
    assertThat(h.progressLines()).as("the dot-file is counted").hasSize(1).allSatisfy(l -> assertThat(l).contains("1 hidden"));

    Files.delete(checkpoint.resolve("commits").resolve("0"));
    Files.deleteIfExists(checkpoint.resolve("commits").resolve(".0.crc")); // else Spark's rename of the new commit file fails
    Files.delete(odd);
    Path fresh = tmp.resolve("lake-after-crash");
    StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing, fresh.toString(), checkpoint.toString())
        .trigger("available-now").analyzers("people")).awaitTermination();
    assertThat(table(fresh, Lake.FRAMES).count()).as("the replayed batch's frames still there").isEqualTo(2);
    Map<String, String> replayed = table(fresh, Lake.FRAME_ERRORS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("path"), r -> r.<String>getAs("error_class")));
    assertThat(replayed).containsEntry("file:" + odd, "FileVanished").hasSize(3);
  }

  /** Runs the job's foreachBatch function again on the files of an old batch, as Spark does after a crash. */
  private void replay(Path lake, Path landing, Path checkpoint, long batchId) throws Exception {
    List<String> files = SourceLog.files(spark.sessionState().newHadoopConf(), checkpoint.toString(), batchId);
    assertThat(files).isNotEmpty();
    Dataset<Row> batch = spark.read().format("binaryFile").load(files.toArray(new String[0]))
        .select(lit(null).cast(DataTypes.StringType).as("camera_id"), col("path"),
            lit(null).cast(DataTypes.StringType).as("kafka_topic"), lit(null).cast(DataTypes.IntegerType).as("kafka_partition"),
            lit(null).cast(DataTypes.LongType).as("kafka_offset"), col("modificationTime").as("source_time"), col("content"));
    StreamingInferenceJob.writer(spark, StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), checkpoint.toString())
        .analyzers("people").window("30s")).call(batch, batchId);
  }

  @Test
  void framesBehindTheWatermarkGoToLateFrames() throws Exception {
    Path landing = tmp.resolve("landing");
    Path lake = tmp.resolve("lake");
    StreamingInferenceJob.Settings settings = StreamingInferenceJob.Settings.of("dir:" + landing, lake.toString(), tmp.resolve("cp").toString())
        .trigger("available-now").analyzers("people").window("1m").watermark("2m");
    CameraFrames.land(landing, "gate", 200, 4, T0.plusSeconds(600)); // 12:10:00..12:10:00.3
    StreamingInferenceJob.run(spark, settings).awaitTermination();
    CameraFrames.landOne(landing, "gate", 210, T0.plusSeconds(300));    // 12:05: 5 minutes behind, late
    CameraFrames.landOne(landing, "gate", 211, T0.plusSeconds(540));    // 12:09: within the 2m watermark
    StreamingInferenceJob.Handle h = StreamingInferenceJob.run(spark, settings);
    h.awaitTermination();

    List<Row> late = table(lake, Lake.LATE_FRAMES).collectAsList();
    assertThat(late).hasSize(1);
    assertThat(late.get(0).getTimestamp(late.get(0).fieldIndex("captured_at")).toInstant()).isEqualTo(T0.plusSeconds(300));
    assertThat((String) late.get(0).getAs("camera_id")).isEqualTo("gate");
    assertThat(table(lake, Lake.FRAMES).count()).isEqualTo(5);
    assertThat(streamed(lake)).extracting(r -> r.getTimestamp(1).toInstant() + "=" + r.getLong(3))
        .containsExactly("2024-05-01T12:09:00Z=1", "2024-05-01T12:10:00Z=4");
    assertThat(streamed(lake)).isEqualTo(recomputed(lake, "60 seconds"));
    assertThat(h.watermark()).isEqualTo(T0.plusSeconds(600 - 120).plusMillis(300));
  }
}

package io.visionlake.jobs.ops;

import static io.visionlake.jobs.testing.FlowTables.recomputed;
import static io.visionlake.jobs.testing.FlowTables.streamed;
import static io.visionlake.jobs.testing.FlowTables.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.stream.StreamingInferenceJob;
import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.FileAction;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code maintain} scheduled next to a running stream: OPTIMIZE races the stream's commits (appends
 * to frames, swaps of the open windows' files) and VACUUM runs with no retention, yet the stream's
 * tables end exactly as a run without maintenance leaves them; and VACUUM spares a file a writer
 * has written but not committed yet, yet removes an old leftover no version ever held.
 */
@IntegrationTest
class MaintainBesideStreamTest extends DeltaTestBase {
  static final Instant T0 = Instant.parse("2024-05-01T08:00:00Z");

  @Test
  void maintainBesideARunningStreamChangesNoRowOfIt() throws Exception {
    Path landing = tmp.resolve("landing");
    CameraFrames.land(landing, "north", 100, 30, T0);
    CameraFrames.land(landing, "south", 300, 30, T0);
    // Reference: the same frames, the same micro-batches, no maintenance.
    Path quiet = tmp.resolve("quiet");
    stream(landing, quiet).awaitTermination();

    Path busy = tmp.resolve("busy");
    Lake lake = new Lake(busy.toString());
    StreamingInferenceJob.Handle h = stream(landing, busy);
    List<Integer> compactedWhileStreaming = new ArrayList<>();
    CompletableFuture<Integer> maintenance = CompletableFuture.supplyAsync(() -> {
      int rounds = 0;
      try {
        while (h.batchRows().isEmpty() && h.query().isActive()) {
          Thread.sleep(100);
        }
        while (h.query().isActive()) { // VACUUM with no retention each round: the case that could delete the stream's files
          List<MaintainJob.TableReport> report = MaintainJob.run(spark, lake, 0L);
          compactedWhileStreaming.add(report.stream().mapToInt(r -> (int) r.filesCompacted).sum());
          rounds++;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return rounds;
    });
    h.awaitTermination();
    int rounds = maintenance.get(5, TimeUnit.MINUTES);

    assertThat(rounds).as("maintain ran beside the stream").isGreaterThanOrEqualTo(1);
    assertThat(compactedWhileStreaming.stream().mapToInt(Integer::intValue).sum()).as("and compacted files: %s", compactedWhileStreaming)
        .isPositive();
    assertThat(optimizedBetweenStreamCommits(busy, Lake.FRAMES)).as("an OPTIMIZE of frames sits between two micro-batches' commits").isTrue();
    for (String t : List.of(Lake.FRAMES, Lake.FLOW_COUNTS, Lake.OBJECT_COUNTS, Lake.TRACKS, Lake.STREAM_METRICS)) {
      assertThat(table(busy, t).count()).as("%s: every file it references is there", t).isPositive();
    }
    assertThat(table(busy, Lake.FRAMES).count()).as("every frame once").isEqualTo(60);
    assertThat(streamed(busy)).as("flow_counts = batch recomputation").isEqualTo(recomputed(busy, "1 second"))
        .as("and = the stream without maintenance").isEqualTo(streamed(quiet));
    for (String t : List.of(Lake.FRAMES, Lake.OBJECT_COUNTS, Lake.TRACKS)) {
      assertThat(comparable(busy, t)).as("%s as without maintenance", t).containsExactlyInAnyOrderElementsOf(comparable(quiet, t));
    }
  }

  @Test
  void vacuumSparesAFileAWriterHasNotCommittedYet() throws java.io.IOException {
    Lake lake = new Lake(tmp.resolve("lake").toString());
    String path = lake.path("notes");
    spark.range(0, 10).coalesce(1).write().format("delta").save(path);
    spark.range(10, 20).coalesce(1).write().format("delta").mode("append").save(path);
    // A writer (a micro-batch, a backfill day) has written its file and not committed it yet.
    OptimisticTransaction txn = DeltaLog.forTable(spark, path).startTransaction();
    List<FileAction> written = CollectionConverters.asJava(txn.writeFiles(spark.range(20, 30).toDF().coalesce(1)));
    // And a file no version ever held, two hours old: a failed task's leftover, which VACUUM does remove.
    Path leftover = Path.of(path, "part-00000-leftover-of-a-failed-task.snappy.parquet");
    java.nio.file.Files.copy(Path.of(path, written.get(0).path()), leftover);
    java.nio.file.Files.setLastModifiedTime(leftover, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(7200)));

    MaintainJob.run(spark, lake, 0L); // OPTIMIZE and a VACUUM with no retention in between

    List<Action> actions = new ArrayList<>(written);
    txn.commit(CollectionConverters.asScala(actions).toList(), new org.apache.spark.sql.delta.DeltaOperations.Write(
        org.apache.spark.sql.SaveMode.Append, scala.Option.empty(), scala.Option.empty(), scala.Option.empty(), scala.Option.empty(),
        scala.Option.empty(), scala.Option.empty()));
    assertThat(spark.read().format("delta").load(path).count()).as("the late commit's file was not vacuumed").isEqualTo(30);
    assertThat(leftover).as("a file the log never held, older than an hour, was").doesNotExist();
    // The files OPTIMIZE replaced were removed by the log: the no-retention VACUUM deleted them.
    MaintainJob.run(spark, lake, 0L);
    assertThat(MaintainJobTest.parquetFiles(Path.of(path))).as("only the referenced files are left")
        .isEqualTo(spark.read().format("delta").load(path).inputFiles().length);
  }

  @Test
  void settledCompactionLeavesAStreamsCurrentFileAlone() throws Exception {
    String path = tmp.resolve("tracks").toString();
    spark.range(0, 10).selectExpr("id", "id % 3 AS camera").coalesce(1).write().format("delta").save(path);
    spark.range(10, 20).selectExpr("id", "id % 3 AS camera").coalesce(1).write().format("delta").mode("append").save(path);
    Thread.sleep(20);
    long settledBefore = System.currentTimeMillis();
    Thread.sleep(20);
    // The stream's current file: written after the horizon.
    spark.range(20, 30).selectExpr("id", "id % 3 AS camera").coalesce(1).write().format("delta").mode("append").save(path);
    java.util.Set<String> before = java.util.Set.of(spark.read().format("delta").load(path).inputFiles());
    String current = spark.read().format("delta").load(path).filter("id >= 20").inputFiles()[0];

    assertThat(SettledCompaction.compact(spark, path, new String[] {"camera", "id"}, settledBefore)).as("the two settled files").isEqualTo(2);
    List<String> after = List.of(spark.read().format("delta").load(path).inputFiles());
    assertThat(after).as("one compacted file beside the current one").hasSize(2).contains(current);
    assertThat(before).doesNotContainAnyElementsOf(after.stream().filter(f -> !f.equals(current)).toList());
    assertThat(spark.read().format("delta").load(path).count()).isEqualTo(30);
    Row last = spark.sql("DESCRIBE HISTORY delta.`" + path + "` LIMIT 1").first();
    assertThat(last.<String>getAs("operation")).isEqualTo("OPTIMIZE");
    assertThat(SettledCompaction.compact(spark, path, new String[] {"camera", "id"}, settledBefore)).as("nothing settled is left to join")
        .isZero();
  }

  private StreamingInferenceJob.Handle stream(Path landing, Path dir) throws Exception {
    return StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of("dir:" + landing, dir.toString(), dir + "-cp")
        .trigger("available-now").maxPerTrigger(6).analyzers("objects").window("1s"));
  }

  /** A table's rows without what differs between two runs of the same stream (its id, processing times). */
  private static List<Row> comparable(Path lake, String name) {
    Dataset<Row> d = table(lake, name);
    for (String c : List.of("stream_id", "processed_at", "updated_at", "landed_at")) {
      if (List.of(d.columns()).contains(c)) {
        d = d.drop(c);
      }
    }
    return d.collectAsList();
  }

  /** Whether the table's history has an OPTIMIZE with stream writes both before and after it. */
  private static boolean optimizedBetweenStreamCommits(Path lake, String name) {
    List<String> ops = spark.sql("DESCRIBE HISTORY delta.`" + new Lake(lake.toString()).path(name) + "`").orderBy("version")
        .select("operation").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    int optimize = ops.indexOf("OPTIMIZE");
    return optimize > 0 && ops.subList(optimize + 1, ops.size()).stream().anyMatch(op -> !op.startsWith("VACUUM") && !op.equals("OPTIMIZE"));
  }
}

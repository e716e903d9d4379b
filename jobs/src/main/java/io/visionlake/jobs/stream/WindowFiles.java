package io.visionlake.jobs.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.lit;

import io.visionlake.jobs.lake.DeltaRetry;
import io.visionlake.jobs.lake.Lake;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.delta.actions.SetTransaction;
import org.apache.spark.sql.delta.util.DeltaFileOperations;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Writes a stream's windows to {@code flow_counts} or {@code object_counts} in one Delta commit
 * that costs about an append: the rows of the windows that turned final go in one file, the rows
 * of every window still open in another, and the open file the stream's previous commit left is
 * removed in the same commit. The removed file holds exactly the windows that were open after
 * the previous batch, all of which the new files supersede, so no file is read and nothing is
 * joined (a MERGE of a few rows costs three to five times an append here).
 *
 * <p>That shortcut holds only while the table is as the stream left it: its version is the one the
 * stream's previous commit produced (recorded in the checkpoint's state with the open file's
 * paths). After any other writer's commit (a backfill refreshing the day, a {@code maintain}
 * compaction, another stream), on a stream's first batch, or after a conflict, the batch takes the
 * general path: the files that may hold the stream's windows (by their window_start statistics)
 * are read and rewritten without them, in the same single commit. Either way the commit carries
 * the stream id and batch id as a Delta transaction, so a replayed batch adds nothing twice.
 */
final class WindowFiles {
  private static final Logger LOG = LoggerFactory.getLogger(WindowFiles.class);

  /** Where a table stands after the stream's commit: the version it produced and its open files' paths. */
  record Left(long version, List<String> openPaths) {}

  private final SparkSession spark;
  private final Lake lake;
  private final String stream;
  private final String streamId;
  private final int attempts;

  WindowFiles(SparkSession spark, Lake lake, String stream, String streamId, int attempts) {
    this.spark = spark;
    this.lake = lake;
    this.stream = stream;
    this.streamId = streamId;
    this.attempts = attempts;
  }

  /**
   * A table's write for one batch, prepared up to its commit: the new files are written (not yet
   * part of the table) so their paths can be recorded in the state before anything commits.
   */
  final class Prepared {
    private final String table;
    private final StructType schema;
    private final List<Row> finalRows;
    private final List<Row> openRows;
    private final Map<String, Long> regionStarts;
    private final long batchId;
    private final Left before;
    private OptimisticTransaction txn;
    private List<Action> actions;
    /** Where the table will stand once {@link #commit} succeeds; the recorded value on a replay. */
    private Left after;
    private boolean committed;

    private Prepared(String table, StructType schema, List<Row> finalRows, List<Row> openRows, Map<String, Long> regionStarts, long batchId,
        Left before, Left recorded) {
      this.table = table;
      this.schema = schema;
      this.finalRows = finalRows;
      this.openRows = openRows;
      this.regionStarts = regionStarts;
      this.batchId = batchId;
      this.before = before;
      DeltaLog log = DeltaLog.forTable(spark, lake.path(table));
      OptimisticTransaction t = log.startTransaction();
      if (t.txnVersion(streamId) >= batchId) {
        // A replay of a batch that reached this table: what the first attempt recorded (null: unknown, the next batch rewrites in full).
        this.after = recorded;
        this.committed = true;
        return;
      }
      if (finalRows.isEmpty() && openRows.isEmpty() && (before == null || before.openPaths().isEmpty())) {
        this.after = before; // nothing to write, nothing to replace: no commit
        this.committed = true;
        return;
      }
      if (before != null && before.version() == t.readVersion()) {
        prepareSwap(t);
      }
    }

    /** The fast path: remove the previous open files (nobody has committed since), add the new ones. */
    private void prepareSwap(OptimisticTransaction t) {
      List<AddFile> previous = t.snapshot().allFiles().filter(col("path").isin(before.openPaths().toArray())).collectAsList();
      if (previous.size() != before.openPaths().size()) {
        return; // a file is gone after all: the general path
      }
      t.readWholeTable(); // a concurrent writer's file could hold these windows: conflict, then the general path
      List<Action> a = new ArrayList<>();
      previous.forEach(f -> a.add(f.remove()));
      List<String> open = write(t, openRows, a);
      write(t, finalRows, a);
      this.txn = t;
      this.actions = a;
      this.after = new Left(t.readVersion() + 1, open);
    }

    String table() {
      return table;
    }

    /** Where the table stands after this batch, for the state; may change if {@link #commit} takes the general path. */
    Left after() {
      return after;
    }

    /**
     * Commits the batch's windows. Returns false when the general path committed them (no swap was
     * prepared, or it lost to a concurrent writer): {@link #after()} then tells the new files.
     */
    boolean commit() {
      if (committed) {
        return true;
      }
      if (txn != null) {
        try {
          commit(txn, actions, "open windows of stream " + stream);
          return true;
        } catch (org.apache.spark.sql.delta.DeltaConcurrentModificationException e) {
          LOG.info("Stream {} batch {}: {} changed under the batch ({}); rewriting its windows in full", stream, batchId, table,
              e.getClass().getSimpleName());
        }
      }
      after = DeltaRetry.onConflict("stream " + stream + " batch " + batchId + " " + table, attempts, () -> rewrite());
      return false;
    }

    /**
     * The general path: every file whose window_start statistics reach the region is read and
     * written back without the region's rows, and the region's rows are added, in one commit.
     */
    private Left rewrite() {
      DeltaLog log = DeltaLog.forTable(spark, lake.path(table));
      OptimisticTransaction t = log.startTransaction();
      if (t.txnVersion(streamId) >= batchId) {
        return after; // a concurrent replay? Never with one query per checkpoint; the commit is there all the same
      }
      t.readWholeTable();
      List<Action> a = new ArrayList<>();
      String region = region();
      if (region != null) {
        long from = regionStarts.values().stream().min(Long::compare).orElseThrow();
        Column stat = get_json_object(col("stats"), "$.maxValues.window_start").cast("timestamp");
        List<AddFile> candidates = t.snapshot().allFiles()
            .filter(col("stats").isNull().or(stat.isNull()).or(stat.geq(lit(new Timestamp(from))))).collectAsList();
        if (candidates.stream().anyMatch(f -> f.deletionVector() != null)) {
          // Rows deleted by vector would come back from a plain Parquet read: let Delta replace the region instead.
          List<Row> rows = new ArrayList<>(openRows);
          rows.addAll(finalRows);
          spark.createDataFrame(rows, schema).write().format("delta").mode("overwrite")
              .option("replaceWhere", region)
              .option("txnAppId", streamId).option("txnVersion", batchId).option("userMetadata", stream + ":" + batchId)
              .save(lake.path(table));
          return null; // its files are Delta's to choose: the next batch rewrites in full again
        }
        if (!candidates.isEmpty()) {
          List<String> paths = new ArrayList<>();
          candidates.forEach(f -> {
            paths.add(DeltaFileOperations.absolutePath(log.dataPath().toString(), f.path()).toString());
            a.add(f.remove());
          });
          StructType tableSchema = t.metadata().schema();
          Dataset<Row> kept = spark.read().schema(tableSchema).parquet(paths.toArray(new String[0])).filter(org.apache.spark.sql.functions.not(org.apache.spark.sql.functions.expr(region)));
          a.addAll(CollectionConverters.asJava(t.writeFiles(kept.coalesce(1))));
        }
      }
      List<String> open = write(t, openRows, a);
      write(t, finalRows, a);
      long version = commit(t, a, "windows of stream " + stream + " (rewritten)");
      return new Left(version, open);
    }

    /** The region's rows of the table, as SQL: each camera's windows from its earliest one in the state on; null when none. */
    private String region() {
      List<String> parts = new ArrayList<>();
      regionStarts.forEach((camera, start) -> parts.add(String.format(java.util.Locale.ROOT,
          "(camera_id = '%s' AND window_start >= timestamp_millis(%d))", camera.replace("\\", "\\\\").replace("'", "\\'"), start)));
      return parts.isEmpty() ? null : String.join(" OR ", parts);
    }

    private List<String> write(OptimisticTransaction t, List<Row> rows, List<Action> into) {
      List<String> paths = new ArrayList<>();
      if (rows.isEmpty()) {
        return paths;
      }
      // The table's column order (a later column, e.g. flow_counts.people, may sit elsewhere in an old table).
      Dataset<Row> df = spark.createDataFrame(rows, schema)
          .select(java.util.Arrays.stream(t.metadata().schema().fieldNames()).map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
          .coalesce(1);
      for (FileAction f : CollectionConverters.asJava(t.writeFiles(df))) {
        paths.add(f.path());
        into.add(f);
      }
      return paths;
    }

    private long commit(OptimisticTransaction t, List<Action> a, String what) {
      List<Action> all = new ArrayList<>(a);
      all.add(new SetTransaction(streamId, batchId, Option.apply(System.currentTimeMillis())));
      return t.commit(CollectionConverters.asScala(all).toList(),
          new DeltaOperations.Write(SaveMode.Overwrite, Option.empty(), Option.apply(what), Option.apply(stream + ":" + batchId),
              Option.empty(), Option.empty(), Option.empty()));
    }
  }

  /**
   * @param before where the previous batch left the table (null: unknown, a first batch or an older checkpoint)
   * @param recorded what this batch's first attempt recorded, for a replay (null: none)
   */
  Prepared prepare(String table, StructType schema, List<Row> finalRows, List<Row> openRows, Map<String, Long> regionStarts, long batchId,
      Left before, Left recorded) {
    return new Prepared(table, schema, finalRows, openRows, regionStarts, batchId, before, recorded);
  }
}

package io.visionlake.jobs.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.lit;

import io.visionlake.jobs.lake.DeltaRetry;
import io.visionlake.jobs.lake.DriverParquet;
import io.visionlake.jobs.lake.IdempotentAppend;
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
 * Writes a stream's rows with absolute values ({@code flow_counts} and {@code object_counts}
 * windows, {@code tracks}) in one Delta commit per table that costs about an append: the rows that
 * turned final (windows passed by the watermark, tracks ended) go in one file, the rows still open
 * in another, and the open file the stream's previous commit left is
 * removed in the same commit. The removed file holds exactly the windows that were open after
 * the previous batch, all of which the new files supersede, so no file is read and nothing is
 * joined (a MERGE of a few rows costs three to five times an append here).
 *
 * <p>That shortcut holds only while the table is as the stream left it: its version is the one the
 * stream's previous commit produced (recorded in the checkpoint's state with the open file's
 * paths). After any other writer's commit (a backfill refreshing the day, a {@code maintain}
 * compaction, another stream), on a stream's first batch, or after a conflict, the batch takes the
 * general path: the files that may hold the stream's rows (by their window_start or last_seen statistics)
 * are read and rewritten without them, in the same single commit. Either way the commit carries
 * the stream id and batch id as a Delta transaction, so a replayed batch adds nothing twice.
 */
final class WindowFiles {
  private static final Logger LOG = LoggerFactory.getLogger(WindowFiles.class);

  /**
   * Where a table stands after the stream's commit: the version it produced, its open files' paths
   * and their {@code add} actions as JSON (empty in a state an earlier version wrote), so a
   * restarted stream removes them without looking them up in the table's file list.
   */
  record Left(long version, List<String> openPaths, List<String> openActions) {
    static Left of(long version, List<AddFile> open) {
      return new Left(version, paths(open), open.stream().map(AddFile::json).toList());
    }

    /** The recorded add actions of the open files, when they are recorded and name exactly those paths; else null. */
    List<AddFile> recordedAdds() {
      if (openActions.size() != openPaths.size()) {
        return null;
      }
      List<AddFile> adds = new ArrayList<>();
      for (String json : openActions) {
        if (!(org.apache.spark.sql.delta.actions.Action$.MODULE$.fromJson(json) instanceof AddFile add)) {
          return null;
        }
        adds.add(add);
      }
      return paths(adds).equals(openPaths) ? adds : null;
    }
  }

  /**
   * The stream's rows of a table that a batch rewrites: a SQL predicate, and a column and value no
   * file holding such a row can have a maximum below (its statistics skip the table's older files).
   */
  record Region(String sql, String statColumn, long fromMillis) {
    /** Each camera's windows from the given start on (flow_counts, object_counts); null when there are none. */
    static Region windows(Map<String, Long> starts) {
      List<String> parts = new ArrayList<>();
      starts.forEach((camera, start) -> parts.add(String.format(java.util.Locale.ROOT,
          "(camera_id = %s AND window_start >= timestamp_millis(%d))", Lake.sqlString(camera), start)));
      return parts.isEmpty() ? null
          : new Region(String.join(" OR ", parts), "window_start", starts.values().stream().min(Long::compare).orElseThrow());
    }
  }

  private static List<String> paths(List<AddFile> files) {
    return files.stream().map(AddFile::path).toList();
  }

  private final SparkSession spark;
  private final Lake lake;
  private final String stream;
  private final String streamId;
  private final int attempts;
  /**
   * Per table, the open files this JVM's last commit added: the next batch removes them without
   * looking them up in the table's file list (a Spark job over the whole snapshot, which grows
   * with the table's history). After a restart they are looked up once.
   */
  private final Map<String, List<AddFile>> lastOpen = new java.util.concurrent.ConcurrentHashMap<>();
  /** Tables written through Spark jobs, and why (logged once per table). */
  private final Map<String, String> throughSpark = new java.util.concurrent.ConcurrentHashMap<>();

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
    private final Region region;
    private final long batchId;
    private final Left before;
    private OptimisticTransaction txn;
    private List<Action> actions;
    /** Where the table will stand once {@link #commit} succeeds; the recorded value on a replay. */
    private Left after;
    private boolean committed;
    /** The open files this batch adds. */
    private List<AddFile> openAdds = List.of();

    private Prepared(String table, StructType schema, List<Row> finalRows, List<Row> openRows, Region region, long batchId,
        Left before, Left recorded) {
      this.table = table;
      this.schema = schema;
      this.finalRows = finalRows;
      this.openRows = openRows;
      this.region = region;
      this.batchId = batchId;
      this.before = before;
      DeltaLog log = DeltaLog.forTable(spark, lake.path(table));
      OptimisticTransaction t = log.startTransaction();
      if (IdempotentAppend.committedVersion(t, streamId) >= batchId) {
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
      List<AddFile> previous = lastOpen.get(table);
      if (previous == null || !previous.stream().map(AddFile::path).toList().equals(before.openPaths())) {
        previous = before.recordedAdds(); // a restarted stream: as the state recorded them
      }
      if (previous == null) {
        previous = before.openPaths().isEmpty() ? List.of()
            : t.snapshot().allFiles().filter(col("path").isin(before.openPaths().toArray())).collectAsList();
      }
      if (previous.size() != before.openPaths().size()) {
        return; // a file is gone after all: the general path
      }
      t.readWholeTable(); // a concurrent writer's file could hold these windows: conflict, then the general path
      List<Action> a = new ArrayList<>();
      previous.forEach(f -> a.add(f.remove()));
      this.openAdds = writeWindows(t, a);
      this.txn = t;
      this.actions = a;
      this.after = Left.of(t.readVersion() + 1, openAdds);
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
          lastOpen.put(table, openAdds);
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
     * The general path: every file whose statistics ({@link Region#statColumn()}) reach the region
     * is read and written back without the region's rows, and the region's rows are added, in one
     * commit.
     */
    private Left rewrite() {
      DeltaLog log = DeltaLog.forTable(spark, lake.path(table));
      OptimisticTransaction t = log.startTransaction();
      if (IdempotentAppend.committedVersion(t, streamId) >= batchId) {
        return after; // a concurrent replay? Never with one query per checkpoint; the commit is there all the same
      }
      t.readWholeTable();
      List<Action> a = new ArrayList<>();
      if (region != null) {
        long from = region.fromMillis();
        Column stat = get_json_object(col("stats"), "$.maxValues." + region.statColumn()).cast("timestamp");
        List<AddFile> candidates = t.snapshot().allFiles()
            .filter(col("stats").isNull().or(stat.isNull()).or(stat.geq(lit(new Timestamp(from))))).collectAsList();
        if (candidates.stream().anyMatch(f -> f.deletionVector() != null)) {
          // Rows deleted by vector would come back from a plain Parquet read: let Delta replace the region instead.
          List<Row> rows = new ArrayList<>(openRows);
          rows.addAll(finalRows);
          spark.createDataFrame(rows, schema).write().format("delta").mode("overwrite")
              .option("replaceWhere", region.sql())
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
          Dataset<Row> kept = spark.read().schema(tableSchema).parquet(paths.toArray(new String[0])).filter(org.apache.spark.sql.functions.not(org.apache.spark.sql.functions.expr(region.sql())));
          a.addAll(CollectionConverters.asJava(t.writeFiles(kept.coalesce(1))));
        }
      }
      List<AddFile> open = writeWindows(t, a);
      long version = commit(t, a, "windows of stream " + stream + " (rewritten)");
      lastOpen.put(table, open);
      return Left.of(version, open);
    }

    /**
     * Writes the open windows' rows and the final windows' rows as one file each; adds both to
     * {@code into} and returns the open file(s). The driver holds the rows, so it writes them
     * itself ({@link DriverParquet}: milliseconds, where a Spark job costs about a second of CPU);
     * a table it cannot write alike (partitioned, constraints, deletion vectors...) gets one Spark
     * job instead: a union of two single partitions, the open rows being task 0, whose file name
     * says so.
     */
    private List<AddFile> writeWindows(OptimisticTransaction t, List<Action> into) {
      if (openRows.isEmpty() && finalRows.isEmpty()) {
        return List.of();
      }
      String unsupported = DriverParquet.unsupported(t, schema, finalRows);
      if (unsupported == null) {
        unsupported = DriverParquet.unsupported(t, schema, openRows);
      }
      if (unsupported == null) {
        List<AddFile> open = new ArrayList<>();
        if (!openRows.isEmpty()) {
          open.add(DriverParquet.write(spark, t, schema, openRows));
          into.addAll(open);
        }
        if (!finalRows.isEmpty()) {
          into.add(DriverParquet.write(spark, t, schema, finalRows));
        }
        return open;
      }
      if (!throughSpark.containsKey(table)) {
        throughSpark.put(table, unsupported);
        LOG.info("Stream {}: {} is written through Spark jobs ({}), not by the driver alone", stream, table, unsupported);
      }
      if (openRows.isEmpty() || finalRows.isEmpty()) {
        List<AddFile> files = write(t, openRows.isEmpty() ? finalRows : openRows, into);
        return openRows.isEmpty() ? List.of() : files;
      }
      List<AddFile> both = write(t, null, new ArrayList<>());
      List<AddFile> open = both.stream().filter(f -> new org.apache.hadoop.fs.Path(f.path()).getName().startsWith("part-00000-")).toList();
      if (open.size() != 1 || both.size() != 2) { // not the file names expected: two jobs, then (the files written stay uncommitted)
        open = write(t, openRows, into);
        write(t, finalRows, into);
        return open;
      }
      into.addAll(both);
      return open;
    }

    /** Writes {@code rows} (null: the open rows, then the final rows, one partition each) into new files of the table with a Spark job. */
    private List<AddFile> write(OptimisticTransaction t, List<Row> rows, List<Action> into) {
      // The table's column order (a later column, e.g. flow_counts.people, may sit elsewhere in an old table).
      Column[] columns = java.util.Arrays.stream(t.metadata().schema().fieldNames()).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
      Dataset<Row> df = rows != null ? spark.createDataFrame(rows, schema).select(columns).coalesce(1)
          : spark.createDataFrame(openRows, schema).select(columns).coalesce(1)
              .union(spark.createDataFrame(finalRows, schema).select(columns).coalesce(1));
      List<AddFile> files = new ArrayList<>();
      for (FileAction f : CollectionConverters.asJava(t.writeFiles(df))) {
        files.add((AddFile) f);
        into.add(f);
      }
      return files;
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
  Prepared prepare(String table, StructType schema, List<Row> finalRows, List<Row> openRows, Region region, long batchId,
      Left before, Left recorded) {
    return new Prepared(table, schema, finalRows, openRows, region, batchId, before, recorded);
  }
}

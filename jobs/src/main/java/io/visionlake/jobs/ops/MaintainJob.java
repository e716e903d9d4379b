package io.visionlake.jobs.ops;

import io.delta.tables.DeltaTable;
import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.lake.DeltaRetry;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.lake.SideBySide;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Table operations on a lake: OPTIMIZE every Delta table found under the lake root (Z-ORDER by the
 * columns {@link Lake#ZORDER} names for it, where the table has them; a table VisionLake does not
 * know, such as one a user keeps in the lake, is compacted only and reported so), VACUUM with a retention that keeps a week of time travel by default
 * (never below Delta's own 7-day safety check unless explicitly asked), and a report of each
 * table's size, file count and version.
 *
 * <p>Safe beside running writers (a stream's micro-batches, a backfill): an OPTIMIZE that loses a
 * race with a writer's commit is run again ({@link DeltaRetry}; the writer's side handles losing to
 * OPTIMIZE), and VACUUM never deletes a file a writer has written but not yet committed. Such a file
 * is in no version of the log, so a retention below {@link #ORPHAN_HOURS} vacuums in LITE mode (only
 * the files the log removed) and removes files the log never held only when they are older than
 * {@link #ORPHAN_HOURS}.
 */
public final class MaintainJob {
  private static final Logger LOG = LoggerFactory.getLogger(MaintainJob.class);
  static final String JOB = "maintain";

  private MaintainJob() {}

  public static void main(String[] args) {
    JobMain.run(JOB, new MaintainCommand(), args);
  }

  /**
   * Maintains every Delta table under {@code lake}'s root ({@link Lake#tables}, so a table a newer
   * job or a user added is not missed); {@code vacuumHours} null skips VACUUM. Retention below
   * 168 hours disables Delta's retention check for this run only: a stream or backfill reading an
   * older version than that would fail, so it is for lakes with no long-running readers.
   */
  public static List<TableReport> run(SparkSession spark, Lake lake, Long vacuumHours) {
    return run(spark, lake, vacuumHours, Integer.parseInt(JobOptions.COMMIT_ATTEMPTS_DEFAULT),
        Long.parseLong(JobOptions.SETTLED_MINUTES_DEFAULT));
  }

  /**
   * As {@link #run(SparkSession, Lake, Long)}, running a conflicting OPTIMIZE up to {@code attempts}
   * times, and compacting a stream-rewritten table's files once they are {@code settledMinutes} old
   * ({@link SettledCompaction}).
   */
  public static List<TableReport> run(SparkSession spark, Lake lake, Long vacuumHours, int attempts, long settledMinutes) {
    if (vacuumHours != null && vacuumHours < 0) {
      throw new IllegalArgumentException("--vacuum-hours must be >= 0, got " + vacuumHours);
    }
    List<String> names = lake.tables(spark);
    // Set once for the whole run: the tables are maintained side by side, and a session setting
    // unset by one table's VACUUM while another's runs would fail the other.
    String retentionCheck = "spark.databricks.delta.retentionDurationCheck.enabled";
    // Delta 4 ignores a VACUUM retention other than 0 hours by default (the table's
    // delta.deletedFileRetentionDuration, 7 days, applies instead): --vacuum-hours 24 would keep a week.
    String ignoreRetention = "spark.databricks.delta.vacuum.retentionWindowIgnore.enabled";
    boolean below = vacuumHours != null && vacuumHours < 168;
    // What the session had before (a user's --conf, a caller's setting): put back afterwards.
    String checkBefore = spark.conf().get(retentionCheck, null);
    String ignoreBefore = spark.conf().get(ignoreRetention, null);
    if (below) {
      spark.conf().set(retentionCheck, "false");
    }
    spark.conf().set(ignoreRetention, "false");
    // A small table's OPTIMIZE and VACUUM are mostly driver work and waits (planning, the log,
    // listing): two tables at a time keep both cores of a small machine busy.
    try (SideBySide tables = new SideBySide(spark, "maintain", PARALLEL_TABLES)) {
      List<java.util.concurrent.Future<TableReport>> running = new ArrayList<>();
      for (String name : names) {
        running.add(tables.submit(name, () -> maintain(spark, lake, name, vacuumHours, attempts, settledMinutes)));
      }
      tables.awaitAll();
      List<TableReport> out = new ArrayList<>();
      running.forEach(f -> out.add(tables.get(f)));
      return out;
    } finally {
      if (below) {
        restore(spark, retentionCheck, checkBefore);
      }
      restore(spark, ignoreRetention, ignoreBefore);
    }
  }

  private static void restore(SparkSession spark, String key, String before) {
    if (before == null) {
      spark.conf().unset(key);
    } else {
      spark.conf().set(key, before);
    }
  }

  /** Tables maintained at once. */
  static final int PARALLEL_TABLES = 2;

  /**
   * The youngest a file no version of the log ever held may be when VACUUM deletes it. A stream's
   * micro-batch or a backfill day writes its files, then commits them, seconds to minutes later;
   * until then those files are in no version, and a VACUUM with a shorter retention would delete
   * them and break the commit that follows (its rows lost). An hour is far beyond either.
   */
  static final long ORPHAN_HOURS = 1;

  private static TableReport maintain(SparkSession spark, Lake lake, String name, Long vacuumHours, int attempts,
      long settledMinutes) {
    spark.sparkContext().setJobGroup("visionlake-maintain-" + name, "Maintain " + lake.path(name), false);
    try {
      DeltaTable table = lake.table(spark, name);
      List<String> columns = Arrays.asList(table.toDF().columns());
      boolean known = Lake.ZORDER.containsKey(name);
      String[] zorder = Lake.ZORDER.getOrDefault(name, List.of()).stream().filter(columns::contains).toArray(String[]::new);
      // One file or none: nothing to compact, and no other file to cluster its rows apart from.
      Row detail = table.detail().first();
      long files = detail.<Long>getAs("numFiles");
      // An OPTIMIZE that read a file a writer's commit then removed loses the race, changes nothing
      // and runs again on the new version; a table a stream rewrites every batch compacts only its
      // settled files, or it would lose every race (SettledCompaction).
      boolean settledOnly = SettledCompaction.TABLES.contains(name) && detail.getList(detail.fieldIndex("partitionColumns")).isEmpty();
      long optimized = files < 2 ? 0 : DeltaRetry.onConflict("maintain " + name + " OPTIMIZE", attempts,
          () -> settledOnly ? SettledCompaction.compact(spark, lake.path(name), zorder, System.currentTimeMillis() - settledMinutes * 60_000L)
              : optimizeMetric(zorder.length > 0 ? table.optimize().executeZOrderBy(zorder) : table.optimize().executeCompaction()));
      if (vacuumHours != null) {
        vacuum(spark, lake.path(name), vacuumHours);
      }
      TableReport r = TableReport.of(spark, name, lake.path(name), optimized, zorder, known);
      LOG.info("{}", r);
      return r;
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /**
   * VACUUM that spares the files a running writer has not committed yet: below {@link
   * #ORPHAN_HOURS}, LITE mode deletes only what the log removed longer ago than {@code hours} (an
   * uncommitted file was never in the log), and a FULL pass at {@link #ORPHAN_HOURS} removes what
   * the log never held (a failed task's files).
   */
  private static void vacuum(SparkSession spark, String path, long hours) {
    String table = "delta.`" + path.replace("`", "``") + "`";
    if (hours < ORPHAN_HOURS) {
      try {
        spark.sql("VACUUM " + table + " LITE RETAIN " + hours + " HOURS").collect();
      } catch (RuntimeException e) {
        if (String.valueOf(e.getMessage()).contains("DELTA_CANNOT_VACUUM_LITE")) {
          throw new IllegalStateException("VACUUM of " + path + " below " + ORPHAN_HOURS + " hour: the Delta log no longer holds"
              + " every file removed since the table's last VACUUM (its old log entries were cleaned up), so the files that may"
              + " be deleted at once cannot be told from a running writer's uncommitted ones. Run maintain with --vacuum-hours "
              + ORPHAN_HOURS + " or more once (it removes them by listing, an hour after they were removed), then lower it again", e);
        }
        throw e;
      }
    }
    spark.sql("VACUUM " + table + " RETAIN " + Math.max(hours, ORPHAN_HOURS) + " HOURS").collect();
  }

  /** numFilesRemoved of OPTIMIZE's metrics row (0 when nothing was rewritten). */
  private static long optimizeMetric(org.apache.spark.sql.Dataset<Row> metrics) {
    Row m = metrics.first().getStruct(1);
    return m.getLong(m.fieldIndex("numFilesRemoved"));
  }

  /** One table's line of the maintenance report. */
  public static final class TableReport {
    public final String table;
    public final long version;
    public final long files;
    public final long bytes;
    public final long filesCompacted;
    public final String zorder;
    /** False for a Delta table VisionLake does not write: it was compacted with no Z-ORDER. */
    public final boolean known;

    TableReport(String table, long version, long files, long bytes, long filesCompacted, String zorder, boolean known) {
      this.table = table;
      this.version = version;
      this.files = files;
      this.bytes = bytes;
      this.filesCompacted = filesCompacted;
      this.zorder = zorder;
      this.known = known;
    }

    static TableReport of(SparkSession spark, String name, String path, long compacted, String[] zorder, boolean known) {
      Row d = spark.sql("DESCRIBE DETAIL delta.`" + path.replace("`", "``") + "`").first();
      long version = spark.sql("DESCRIBE HISTORY delta.`" + path.replace("`", "``") + "` LIMIT 1").first().getLong(0);
      return new TableReport(name, version, d.<Long>getAs("numFiles"), d.<Long>getAs("sizeInBytes"), compacted,
          zorder.length == 0 ? "-" : String.join(",", zorder), known);
    }

    public static String format(List<TableReport> rows) {
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-14s %8s %8s %14s %10s  %s%n", "table", "version", "files",
          "bytes", "compacted", "z-order"));
      for (TableReport r : rows) {
        sb.append(String.format(Locale.ROOT, "%-14s %8d %8d %,14d %10d  %s%n", r.table, r.version, r.files, r.bytes,
            r.filesCompacted, r.zorderNote()));
      }
      return sb.toString().trim();
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%s: version %d, %d files, %,d bytes, %d files compacted, z-order %s", table, version, files,
          bytes, filesCompacted, zorderNote());
    }

    /** The z-order column of the report; an unknown table says why it has none. */
    String zorderNote() {
      return known ? zorder : zorder + " (not a VisionLake table: compacted only)";
    }
  }
}

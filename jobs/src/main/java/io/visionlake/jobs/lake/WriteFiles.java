package io.visionlake.jobs.lake;

import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * How many files a run's rows become, and the MERGE setting that lets them be written in parallel.
 *
 * <p>Scored rows arrive in the inference partitions (hundreds of files' worth each), so written as
 * they come a 200,000-image run is hundreds of small files a day; and Delta's MERGE, left alone,
 * repartitions its output by the table's partition columns, so the whole day of a run ({@code
 * images} is partitioned by {@code ingest_date}) is written by one task on one core: 6.3 s of a
 * 200,000-image run on 2 cores, with the other core idle. Instead the rows are coalesced (no
 * shuffle) to one file per {@link #TARGET_BYTES} of their cached size, at least one per core, and
 * the MERGE writes them as they are partitioned.
 */
public final class WriteFiles {
  /**
   * Cached (in-memory columnar) bytes per written file; Parquet's encoding makes the file smaller.
   * Delta's OPTIMIZE compacts toward 1 GiB later ({@code maintain}); this only keeps a run from
   * leaving many small files or one slow writer.
   */
  public static final long TARGET_BYTES = 128L << 20;

  /** Delta's switch for the MERGE repartitioning described above. */
  static final String MERGE_REPARTITION = "spark.databricks.delta.merge.repartitionBeforeWrite.enabled";

  private WriteFiles() {}

  /**
   * Files for {@code bytes} of rows now in {@code partitions} partitions on {@code cores} cores:
   * one per {@link #TARGET_BYTES}, at least one per core (the writes run side by side), never more
   * than the partitions (coalescing does not split one).
   */
  public static int count(long bytes, int cores, int partitions) {
    long bySize = (Math.max(0, bytes) + TARGET_BYTES - 1) / TARGET_BYTES;
    return (int) Math.max(1, Math.min(partitions, Math.max(cores, bySize)));
  }

  /**
   * {@code rows} coalesced to {@link #count} files, where {@code bytes} is the size of the cached
   * data they are selected from (an upper bound for them). Their partition count is not asked for:
   * {@code rows.rdd()} plans the query, and with adaptive execution runs its broadcast stages (the
   * faces' gallery join), all of which the MERGE then does again; a coalesce to more partitions
   * than there are keeps them as they are.
   */
  public static Dataset<Row> coalesce(SparkSession spark, Dataset<Row> rows, long bytes) {
    return rows.coalesce(count(bytes, spark.sparkContext().defaultParallelism(), Integer.MAX_VALUE));
  }

  /** The size of {@code cached}'s data as Spark's cache measured it (call after it was filled). */
  public static long cachedBytes(Dataset<Row> cached) {
    return cached.queryExecution().optimizedPlan().stats().sizeInBytes().longValue();
  }

  /** Runs {@code merge} with its output written in the source's partitioning (see the class comment). */
  public static <T> T mergeAsPartitioned(SparkSession spark, Supplier<T> merge) {
    String before = spark.conf().get(MERGE_REPARTITION, null);
    spark.conf().set(MERGE_REPARTITION, "false");
    try {
      return merge.get();
    } finally {
      if (before == null) {
        spark.conf().unset(MERGE_REPARTITION);
      } else {
        spark.conf().set(MERGE_REPARTITION, before);
      }
    }
  }
}

package io.visionlake.jobs.lake;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import java.sql.Date;
import java.util.Collection;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code label_stats}: per ingest date, source and top label, the image count and mean score. Always
 * a function of {@code images}: the batch job and the backfill recompute the days they touched.
 */
public final class LabelStats {
  private LabelStats() {}

  /** {@code ingest_date IN ('d1', ...)}: the label_stats (and images) partitions of {@code dates}. */
  public static String datePredicate(Collection<Date> dates) {
    return dates.stream().map(d -> "'" + d + "'").collect(Collectors.joining(", ", "ingest_date IN (", ")"));
  }

  /** label_stats rows of the given days, from {@code images}: what the overwrite of those days writes. */
  public static Dataset<Row> of(SparkSession spark, Lake lake, Collection<Date> dates) {
    return lake.table(spark, Lake.IMAGES).toDF().filter(datePredicate(dates)).filter(col("top_label").isNotNull())
        .groupBy(col("ingest_date"), col("source"), col("top_label").as("label"))
        .agg(count(lit(1)).as("images"), avg(col("top_score")).as("avg_score"));
  }

  /**
   * The ingest dates of the {@code images} rows matching {@code rows} (by path and image id) whose
   * label_stats counts disagree with images: days an interrupted run committed images for but never
   * refreshed. Counts only: that is what a missed refresh leaves wrong.
   */
  public static java.util.List<Date> stale(SparkSession spark, Lake lake, Dataset<Row> rows) {
    java.util.List<Date> days = lake.table(spark, Lake.IMAGES).toDF()
        .join(rows.select("path", "image_id"), new String[] {"path", "image_id"}, "left_semi")
        .select("ingest_date").distinct().as(org.apache.spark.sql.Encoders.DATE()).collectAsList();
    if (days.isEmpty() || !lake.exists(spark, Lake.LABEL_STATS)) {
      return days;
    }
    Dataset<Row> expected = of(spark, lake, days).select("ingest_date", "source", "label", "images");
    Dataset<Row> actual = lake.table(spark, Lake.LABEL_STATS).toDF().filter(datePredicate(days))
        .select("ingest_date", "source", "label", "images");
    return expected.exceptAll(actual).union(actual.exceptAll(expected)).select("ingest_date").distinct()
        .as(org.apache.spark.sql.Encoders.DATE()).collectAsList();
  }

  /** Recomputes label_stats from images for the given ingest dates (one replaceWhere overwrite). */
  public static void refresh(SparkSession spark, Lake lake, Collection<Date> dates) {
    lake.ensure(spark, Lake.LABEL_STATS, Lake.LABEL_STATS_SCHEMA, "ingest_date");
    if (dates.isEmpty()) {
      return;
    }
    of(spark, lake, dates)
        .write().format("delta").mode("overwrite").option("replaceWhere", datePredicate(dates))
        .save(lake.path(Lake.LABEL_STATS));
  }
}

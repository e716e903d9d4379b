package io.visionlake.jobs.lake;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import java.sql.Date;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code label_stats}: per ingest date, source and top label, the image count and mean score. Always
 * a function of {@code images}: the batch job and the backfill recompute the days they touched.
 * With it, {@code object_stats}: per ingest date, source and COCO label, the images holding such an
 * object, the objects and their mean score, for lakes whose images ran the objects analyser. A
 * separate table because its labels are COCO's, not the classifier's, and an image counts once per
 * label it holds rather than once for its top label.
 */
public final class LabelStats {
  private LabelStats() {}

  /** The images column object_stats counts (the objects analyser's). */
  public static final String OBJECTS_COLUMN = "objects";

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
   * Recomputes the days of {@code dates} whose label_stats rows are not what {@link #of} gives now
   * (a row missing, extra, or with another count or mean), in one overwrite; returns those days.
   * Means are compared to 1e-9: a sum in another order is not a mismatch.
   */
  public static List<Date> heal(SparkSession spark, Lake lake, Collection<Date> dates) {
    if (dates.isEmpty()) {
      return List.of();
    }
    if (!lake.exists(spark, Lake.LABEL_STATS)) {
      List<Date> all = dates.stream().sorted().collect(Collectors.toList());
      refresh(spark, lake, all);
      return all;
    }
    Dataset<Row> expected = of(spark, lake, dates).alias("e");
    Dataset<Row> actual = lake.table(spark, Lake.LABEL_STATS).toDF().filter(datePredicate(dates)).alias("a");
    Column sameKey = col("e.ingest_date").equalTo(col("a.ingest_date")).and(col("e.source").equalTo(col("a.source")))
        .and(col("e.label").equalTo(col("a.label")));
    Column differs = col("e.images").isNull().or(col("a.images").isNull()).or(col("e.images").notEqual(col("a.images")))
        .or(coalesce(abs(col("e.avg_score").minus(col("a.avg_score"))).gt(1e-9), not(col("e.avg_score").eqNullSafe(col("a.avg_score")))));
    List<Date> stale = expected.join(actual, sameKey, "full_outer").filter(differs)
        .select(coalesce(col("e.ingest_date"), col("a.ingest_date"))).distinct()
        .collectAsList().stream().map(r -> r.getDate(0)).sorted().collect(Collectors.toList());
    refresh(spark, lake, stale);
    return stale;
  }

  /**
   * The ingest dates of the {@code images} rows matching {@code rows} by path and image id: for a
   * re-run that found its files already written, the days an interrupted run may have committed
   * images for without refreshing label_stats (pass them to {@link #heal}).
   */
  public static List<Date> daysOf(SparkSession spark, Lake lake, Dataset<Row> rows) {
    return lake.table(spark, Lake.IMAGES).toDF()
        .join(rows.select("path", "image_id"), new String[] {"path", "image_id"}, "left_semi")
        .select("ingest_date").distinct().as(Encoders.DATE()).collectAsList();
  }

  /** object_stats rows of the given days, from {@code images} (empty when no run asked for objects). */
  public static Dataset<Row> objectsOf(SparkSession spark, Lake lake, Collection<Date> dates) {
    Dataset<Row> images = lake.table(spark, Lake.IMAGES).toDF();
    if (!java.util.Arrays.asList(images.columns()).contains(OBJECTS_COLUMN)) {
      return spark.createDataFrame(List.of(), Lake.OBJECT_STATS_SCHEMA);
    }
    return images.filter(datePredicate(dates)).filter(col(OBJECTS_COLUMN).isNotNull())
        .select(col("ingest_date"), col("source"), col("image_id"), col("path"), explode(col(OBJECTS_COLUMN)).as("o"))
        .groupBy(col("ingest_date"), col("source"), col("o.label").as("label"))
        .agg(count_distinct(col("path"), col("image_id")).as("images"), count(lit(1)).as("objects"), avg(col("o.score")).as("avg_score"));
  }

  /**
   * Recomputes label_stats (and object_stats) from images for the given ingest dates (one
   * replaceWhere overwrite each). object_stats is written first: a run killed between the two
   * leaves label_stats stale, which {@link #heal} finds, and heal rewrites both.
   */
  public static void refresh(SparkSession spark, Lake lake, Collection<Date> dates) {
    lake.ensure(spark, Lake.LABEL_STATS, Lake.LABEL_STATS_SCHEMA, "ingest_date");
    if (dates.isEmpty()) {
      return;
    }
    Dataset<Row> objects = objectsOf(spark, lake, dates);
    if (lake.exists(spark, Lake.OBJECT_STATS) || !objects.isEmpty()) {
      lake.ensure(spark, Lake.OBJECT_STATS, Lake.OBJECT_STATS_SCHEMA, "ingest_date");
      objects.write().format("delta").mode("overwrite").option("replaceWhere", datePredicate(dates))
          .save(lake.path(Lake.OBJECT_STATS));
    }
    of(spark, lake, dates)
        .write().format("delta").mode("overwrite").option("replaceWhere", datePredicate(dates))
        .save(lake.path(Lake.LABEL_STATS));
  }
}

package io.visionlake.jobs.testing;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Two batch runs over the same input wrote the same lake: the same files became the same image rows
 * (same image id, labels and dimensions; scores equal to 1e-4, since the floating-point sums of a
 * batch may round differently when batches are composed differently), the same error rows and the
 * same label counts. Run ids and timestamps differ by nature and are not compared.
 */
public final class LakeAssertions {
  private static final double SCORE_TOLERANCE = 1e-4;

  private LakeAssertions() {}

  public static Dataset<Row> table(SparkSession spark, String lake, String name) {
    return spark.read().format("delta").load(new Lake(lake).path(name));
  }

  public static void assertSameTables(SparkSession spark, String expectedLake, String actualLake, long expectedImages, long expectedErrors) {
    Dataset<Row> expected = table(spark, expectedLake, Lake.IMAGES).select(col("path"), col("image_id"), col("top_label"),
        col("top_score"), col("labels.label").as("labels"), col("width"), col("height"), col("format"), col("bytes"));
    Dataset<Row> actual = table(spark, actualLake, Lake.IMAGES).select(col("path"), col("image_id").as("a_image_id"),
        col("top_label").as("a_top_label"), col("top_score").as("a_top_score"), col("labels.label").as("a_labels"),
        col("width").as("a_width"), col("height").as("a_height"), col("format").as("a_format"), col("bytes").as("a_bytes"));
    assertThat(expected.count()).as("images in the reference lake").isEqualTo(expectedImages);
    assertThat(actual.count()).as("images: one row per good file, nothing lost").isEqualTo(expectedImages);
    assertThat(actual.select("path").distinct().count()).as("images: no file twice").isEqualTo(expectedImages);
    Dataset<Row> joined = expected.join(actual, "path");
    assertThat(joined.count()).as("images: the same paths").isEqualTo(expectedImages);
    Dataset<Row> different = joined.filter(col("image_id").notEqual(col("a_image_id"))
        .or(col("top_label").notEqual(col("a_top_label")))
        .or(abs(col("top_score").minus(col("a_top_score"))).gt(SCORE_TOLERANCE))
        .or(col("labels").notEqual(col("a_labels")))
        .or(col("width").notEqual(col("a_width"))).or(col("height").notEqual(col("a_height")))
        .or(col("format").notEqual(col("a_format"))).or(col("bytes").notEqual(col("a_bytes"))));
    assertThat(different.limit(5).collectAsList()).as("images that differ from the reference run").isEmpty();

    String[] errorColumns = {"path", "image_id", "bytes", "stage", "error_class"};
    Dataset<Row> expectedErrorRows = table(spark, expectedLake, Lake.IMAGE_ERRORS).selectExpr(errorColumns);
    Dataset<Row> actualErrorRows = table(spark, actualLake, Lake.IMAGE_ERRORS).selectExpr(errorColumns);
    assertThat(actualErrorRows.count()).as("image_errors: one row per bad file").isEqualTo(expectedErrors);
    assertThat(expectedErrorRows.exceptAll(actualErrorRows).collectAsList()).as("errors missing").isEmpty();
    assertThat(actualErrorRows.exceptAll(expectedErrorRows).collectAsList()).as("errors not in the reference").isEmpty();

    Dataset<Row> expectedStats = table(spark, expectedLake, Lake.LABEL_STATS).select("source", "label", "images");
    Dataset<Row> actualStats = table(spark, actualLake, Lake.LABEL_STATS).select("source", "label", "images");
    assertThat(expectedStats.exceptAll(actualStats).collectAsList()).as("label_stats rows missing").isEmpty();
    assertThat(actualStats.exceptAll(expectedStats).collectAsList()).as("label_stats rows not in the reference").isEmpty();
  }
}

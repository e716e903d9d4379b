package io.visionlake.jobs.testing;

import io.visionlake.udfs.SparkTestBase;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One local[2] SparkSession with Delta per test class, bound to loopback. */
public abstract class DeltaTestBase {
  protected static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = SparkTestBase.localSession("visionlake-jobs-test")
        // Test tables have tiny logs: Delta's 50 log-replay tasks per snapshot only add seconds.
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.visionlake.progress.intervalSeconds", "0")
        .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
  }
}

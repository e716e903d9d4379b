package io.visionlake.jobs.testing;

import io.visionlake.udfs.SparkTestBase;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** One local[2] SparkSession with Delta per test class, bound to loopback. */
public abstract class DeltaTestBase {
  protected static SparkSession spark;

  /** A fresh folder per test for its inputs, lakes and checkpoints. */
  @TempDir
  protected Path tmp;

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

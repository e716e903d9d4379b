package io.visionlake.udfs;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One local[2] SparkSession per test class, bound to loopback. */
public abstract class SparkTestBase {
  protected static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = localSession("visionlake-test").getOrCreate();
  }

  /** The tests' session settings (also the jobs module's): local[2] on loopback, no UI, few shuffle partitions, the jobs' local file system. */
  public static SparkSession.Builder localSession(String appName) {
    SparkSession.Builder b = SparkSession.builder();
    // As every local-mode job: local files written without a process forked per file.
    io.visionlake.udfs.fs.LocalFileSystems.sparkSettings().forEach(b::config);
    return b
        .master("local[2]")
        .appName(appName)
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.sources.parallelPartitionDiscovery.parallelism", "4");
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
  }
}

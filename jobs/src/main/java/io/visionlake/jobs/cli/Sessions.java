package io.visionlake.jobs.cli;

import io.visionlake.udfs.fs.LocalFileSystems;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the SparkSession of a spark-submit entry point, with Delta enabled unless overridden. */
public final class Sessions {
  private Sessions() {}

  public static SparkSession getOrCreate(String appName) {
    SparkConf conf = new SparkConf();
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    if (!conf.contains("spark.master")) {
      builder.master("local[*]");
    }
    if (LocalFileSystems.isLocal(conf.get("spark.master", "local[*]"))) {
      // Local paths written without a chmod/readlink process per file (no Hadoop native library here).
      LocalFileSystems.sparkSettings().forEach((k, v) -> setIfAbsent(conf, builder, k, v));
    }
    setIfAbsent(conf, builder, "spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
    setIfAbsent(conf, builder, "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    setIfAbsent(conf, builder, "spark.ui.showConsoleProgress", "false");
    return builder.getOrCreate();
  }

  private static void setIfAbsent(SparkConf conf, SparkSession.Builder builder, String key, String value) {
    if (!conf.contains(key)) {
      builder.config(key, value);
    }
  }
}

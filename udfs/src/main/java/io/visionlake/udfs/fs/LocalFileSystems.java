package io.visionlake.udfs.fs;

import java.util.Map;

/**
 * The settings that make a local-mode Spark session write local paths without forking a process
 * per file ({@link NioRawLocalFileSystem}). Only for {@code local[...]} masters: there the driver
 * JVM is the executor, so these classes are loaded where Hadoop looks for them; a cluster keeps its
 * own file systems (and its nodes usually have Hadoop's native library, or write to S3 or HDFS).
 */
public final class LocalFileSystems {
  private LocalFileSystems() {}

  /** Spark settings ({@code spark.hadoop.*}) naming the local file system classes. */
  public static Map<String, String> sparkSettings() {
    return Map.of(
        "spark.hadoop.fs.file.impl", NioLocalFileSystem.class.getName(),
        "spark.hadoop.fs.AbstractFileSystem.file.impl", NioLocalFs.class.getName());
  }

  /** Whether {@code master} runs executors inside the driver JVM. */
  public static boolean isLocal(String master) {
    return master != null && (master.equals("local") || master.startsWith("local["));
  }
}

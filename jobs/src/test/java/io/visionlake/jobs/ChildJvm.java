package io.visionlake.jobs;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A job's main class in a separate local[2] JVM (for kill -9 tests), with this JVM's Java 17 flags. */
final class ChildJvm {
  private ChildJvm() {}

  static List<String> command(Class<?> main, String... jobArgs) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("-XX:+IgnoreUnrecognized") || arg.startsWith("--enable-native")
          || arg.startsWith("-Djdk.reflect") || arg.startsWith("-Dio.netty") || arg.startsWith("-Dai.djl") || arg.startsWith("-Dvisionlake")) {
        command.add(arg);
      }
    }
    command.addAll(List.of("-Xmx2g", "-Dspark.master=local[2]", "-Dspark.driver.bindAddress=127.0.0.1", "-Dspark.driver.host=127.0.0.1",
        "-Dspark.ui.enabled=false", "-Dspark.sql.shuffle.partitions=4", "-Dspark.databricks.delta.snapshotPartitions=2",
        "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        main.getName()));
    command.addAll(List.of(jobArgs));
    return command;
  }
}

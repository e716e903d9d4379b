package io.visionlake.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A job's main class in a separate local[2] JVM (for kill -9 tests), with this JVM's Java 17 flags. */
public final class ChildJvm {
  private ChildJvm() {}

  static List<String> command(Class<?> main, String... jobArgs) {
    return command(List.of(), main, jobArgs);
  }

  /** {@code jvmArgs} come after the defaults, so they win: {@code -Xmx1g} replaces the default heap. */
  static List<String> command(List<String> jvmArgs, Class<?> main, String... jobArgs) {
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
        "-Dspark.sql.sources.parallelPartitionDiscovery.parallelism=4"));
    command.addAll(jvmArgs);
    command.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        main.getName()));
    command.addAll(List.of(jobArgs));
    return command;
  }

  /** Runs {@code main} in a child JVM to its end (output to {@code log}) and returns its exit code. */
  public static int exitCode(Class<?> main, String[] jobArgs, Path log, Duration timeout) throws IOException, InterruptedException {
    return exitCode(List.of(), main, jobArgs, log, timeout);
  }

  /** As {@link #exitCode(Class, String[], Path, Duration)}, with extra JVM options (a smaller heap, a system property). */
  public static int exitCode(List<String> jvmArgs, Class<?> main, String[] jobArgs, Path log, Duration timeout)
      throws IOException, InterruptedException {
    Process child = new ProcessBuilder(command(jvmArgs, main, jobArgs)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertThat(child.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)).as("%s ended within %s; its log:\n%s", main.getSimpleName(),
          timeout, Files.exists(log) ? Files.readString(log) : "").isTrue();
      return child.exitValue();
    } finally {
      child.destroyForcibly();
    }
  }

  /** A condition polled on files the child writes. */
  @FunctionalInterface
  public interface Check {
    boolean test() throws IOException;
  }

  /**
   * Runs {@code main} in a child JVM (output to {@code log}) until {@code ready} holds, asserts it is
   * still running, then kills it with SIGKILL: no shutdown hooks, no clean stop.
   */
  public static void killWhenReady(Class<?> main, String[] jobArgs, Path log, Check ready, Duration timeout, long pollMillis)
      throws IOException, InterruptedException {
    Process child = new ProcessBuilder(command(main, jobArgs)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      long deadline = System.currentTimeMillis() + timeout.toMillis();
      while (!ready.test() && child.isAlive() && System.currentTimeMillis() < deadline) {
        Thread.sleep(pollMillis);
      }
      assertThat(child.isAlive()).as("%s still running; its log:\n%s", main.getSimpleName(),
          Files.exists(log) ? Files.readString(log) : "").isTrue();
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
  }
}

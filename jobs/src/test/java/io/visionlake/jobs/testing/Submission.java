package io.visionlake.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code scripts/submit} run in its own driver JVM, as a user starts it; its output goes to a
 * log file. Closing it kills what is still running (the script and the driver JVM) by PID.
 */
public final class Submission implements AutoCloseable {
  private final Process process;
  private final Path log;

  private Submission(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static Submission start(Path log, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>();
    command.add("scripts/submit");
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(StandaloneCluster.HOME.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    // A small driver: the cluster's executors do the work.
    pb.environment().put("VISIONLAKE_DRIVER_MEMORY", "1g");
    pb.environment().putAll(env);
    try {
      return new Submission(pb.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** PIDs of the driver side: the script and the JVM it started. */
  public List<Long> pids() {
    List<Long> pids = new ArrayList<>();
    pids.add(process.pid());
    process.descendants().forEach(p -> pids.add(p.pid()));
    return pids;
  }

  /** Waits for the job and returns its exit code; kills it and fails after {@code seconds}. */
  public int await(int seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        close();
        throw new IllegalStateException("scripts/submit did not finish within " + seconds + " s; its log:\n" + log());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path logFile() {
    return log;
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}

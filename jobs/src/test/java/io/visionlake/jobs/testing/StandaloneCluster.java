package io.visionlake.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real standalone cluster for tests, started and stopped through {@code scripts/cluster} (so the
 * script is what is tested): a Master and Workers on 127.0.0.1, each its own JVM, executors in
 * JVMs the Workers fork. Executors are found through their own log ({@code Started daemon with
 * process name: PID@host}) and killed only when they are children of one of this cluster's Workers.
 */
public final class StandaloneCluster implements AutoCloseable {
  public static final Path HOME = Path.of(System.getProperty("visionlake.home", "..")).toAbsolutePath().normalize();
  private static final Pattern MASTER = Pattern.compile("^master (spark://\\S+) pid (\\d+)");
  private static final Pattern WORKER = Pattern.compile("^worker (\\d+) pid (\\d+)");
  private static final Pattern DAEMON_PID = Pattern.compile("Started daemon with process name: (\\d+)@");

  private final Path dir;
  private final Map<String, String> env;
  private final String masterUrl;
  private final Map<Integer, Long> workerPids = new LinkedHashMap<>();
  /** Every executor PID seen, so none outlives {@link #close()} even after its Worker was killed. */
  private final Set<Long> executorsSeen = new HashSet<>();

  private StandaloneCluster(Path dir, Map<String, String> env, String output) {
    this.dir = dir;
    this.env = env;
    String url = null;
    for (String line : output.split("\n")) {
      Matcher m = MASTER.matcher(line);
      if (m.find()) {
        url = m.group(1);
      }
      Matcher w = WORKER.matcher(line);
      if (w.find()) {
        workerPids.put(Integer.parseInt(w.group(1)), Long.parseLong(w.group(2)));
      }
    }
    if (url == null) {
      throw new IllegalStateException("scripts/cluster start printed no master line:\n" + output);
    }
    this.masterUrl = url;
  }

  /** Starts {@code workers} Workers of {@code cores} cores and {@code memory} each; {@code env} is added to the daemons' environment. */
  public static StandaloneCluster start(Path dir, int workers, int cores, String memory, Map<String, String> env) {
    String out = run(env, 240, "scripts/cluster", "start", "--dir", dir.toString(), "--workers", Integer.toString(workers),
        "--cores", Integer.toString(cores), "--memory", memory);
    return new StandaloneCluster(dir, env, out);
  }

  public String masterUrl() {
    return masterUrl;
  }

  Map<Integer, Long> workerPids() {
    return workerPids;
  }

  Path dir() {
    return dir;
  }

  /** The folders the Workers gave one application's executors, e.g. work/worker-1/app-…/0. */
  public List<Path> executorDirs(String appId) {
    try (Stream<Path> s = Files.list(dir.resolve("work"))) {
      List<Path> out = new ArrayList<>();
      for (Path worker : s.collect(Collectors.toList())) {
        Path app = worker.resolve(appId);
        if (Files.isDirectory(app)) {
          try (Stream<Path> e = Files.list(app)) {
            e.filter(Files::isDirectory).forEach(out::add);
          }
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Application ids (app-…) that have executor folders on any Worker. */
  public Set<String> appIds() {
    try (Stream<Path> s = Files.walk(dir.resolve("work"), 2)) {
      return s.filter(p -> p.getFileName().toString().startsWith("app-")).map(p -> p.getFileName().toString())
          .collect(Collectors.toSet());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String stderr(Path executorDir) {
    try {
      Path f = executorDir.resolve("stderr");
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The PID an executor logged at start. */
  public Optional<Long> executorPid(Path executorDir) {
    Matcher m = DAEMON_PID.matcher(stderr(executorDir));
    if (!m.find()) {
      return Optional.empty();
    }
    long pid = Long.parseLong(m.group(1));
    executorsSeen.add(pid);
    return Optional.of(pid);
  }

  /** Which Worker (by number) an executor folder belongs to. */
  public static int workerOf(Path executorDir) {
    return Integer.parseInt(executorDir.getParent().getParent().getFileName().toString().replace("worker-", ""));
  }

  /** kill -9 of an executor JVM; refuses a PID that is not a child of one of this cluster's Workers. */
  public void killExecutor(long pid) {
    ProcessHandle p = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("executor " + pid + " is not running"));
    long parent = p.parent().map(ProcessHandle::pid).orElse(-1L);
    if (!workerPids.containsValue(parent)) {
      throw new IllegalStateException("PID " + pid + " is not an executor of this cluster (parent " + parent + ")");
    }
    p.destroyForcibly();
    await(p);
  }

  /** kill -9 of a Worker JVM: its executors lose their Worker and exit on their own. */
  public void killWorker(int worker) {
    long pid = workerPids.get(worker);
    ProcessHandle p = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("worker " + worker + " is not running"));
    p.children().forEach(c -> executorsSeen.add(c.pid()));
    p.destroyForcibly();
    await(p);
  }

  /** Every log the cluster wrote: daemons' logs and every executor's stdout/stderr. */
  public List<Path> logs() {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> p.toString().contains("/logs/") || p.toString().contains("/work/"))
          .filter(p -> !p.toString().endsWith(".jar"))
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      run(env, 120, "scripts/cluster", "stop", "--dir", dir.toString());
    } finally {
      for (long pid : executorsSeen) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  private static void await(ProcessHandle p) {
    try {
      p.onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("PID " + p.pid() + " did not exit after SIGKILL", e);
    }
  }

  /** Runs a project script to completion and returns its output; fails with the output on a non-zero exit. */
  static String run(Map<String, String> env, int timeoutSeconds, String... command) {
    try {
      Path out = Files.createTempFile("visionlake-script", ".log");
      ProcessBuilder pb = new ProcessBuilder(command).directory(HOME.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      String text = Files.readString(out);
      Files.deleteIfExists(out);
      if (!done) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n" + text);
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + text);
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

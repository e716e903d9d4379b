package io.visionlake.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Peak resident memory of a job JVM (local mode: driver and executor in one process) for 1x and
 * 10x the images, sampled from /proc every 100 ms. Memory flat in input size means these match.
 * The JVM gets a fixed, pre-touched heap budget ({@code -Xms} = {@code -Xmx} = {@value #HEAP}), as
 * an executor gets {@code spark.executor.memory}: a heap left free to grow, or not yet touched,
 * measures the collector's sizing policy, not what the job keeps.
 */
public final class RssProbe {
  static final String HEAP = "2g";
  private RssProbe() {}

  static Map<String, Object> measure(Path home, Path work, int images) throws Exception {
    Path one = copies(home, work.resolve("rss-1x"), images);
    Path ten = copies(home, work.resolve("rss-10x"), images * 10);
    long rss1 = peakRss(home, one, work.resolve("lake-rss-1x"));
    long rss10 = peakRss(home, ten, work.resolve("lake-rss-10x"));
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("images_1x", images);
    r.put("peak_rss_mb_1x", rss1 / (1024 * 1024));
    r.put("images_10x", images * 10);
    r.put("peak_rss_mb_10x", rss10 / (1024 * 1024));
    r.put("rss_10x_over_1x", InferenceBench.round((double) rss10 / rss1));
    System.err.printf("[bench] peak RSS: %d MB for %d images, %d MB for %d images%n",
        rss1 >> 20, images, rss10 >> 20, images * 10);
    return r;
  }

  private static Path copies(Path home, Path dir, int n) throws IOException {
    List<Path> all;
    try (Stream<Path> s = Files.list(home.resolve("data/samples/fashion"))) {
      all = s.sorted().collect(Collectors.toList());
    }
    InferenceBench.fresh(dir);
    for (int i = 0; i < n; i++) {
      Files.copy(all.get(i % all.size()), dir.resolve(String.format("%06d.png", i)));
    }
    return dir;
  }

  private static long peakRss(Path home, Path input, Path lake) throws Exception {
    InferenceBench.fresh(lake);
    ProcessBuilder pb = new ProcessBuilder(home.resolve("scripts/submit").toString(), "batch", "--input", input.toString(),
        "--lake", lake.toString(), "--conf", "spark.visionlake.progress.intervalSeconds=0");
    pb.environment().put("VISIONLAKE_DRIVER_MEMORY", HEAP);
    // Pre-touched: otherwise a short run's RSS counts only the heap pages its collections reached yet,
    // and 10x "grows" by touching the rest of the same fixed heap (1,895 vs 2,913 MB without it).
    pb.environment().put("VISIONLAKE_JAVA_OPTS", "-Xms" + HEAP + " -XX:+AlwaysPreTouch");
    Process p = pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long peak = 0;
    while (p.isAlive()) {
      for (ProcessHandle h : (Iterable<ProcessHandle>) Stream.concat(Stream.of(p.toHandle()), p.descendants())::iterator) {
        peak = Math.max(peak, rss(h.pid()));
      }
      Thread.sleep(100);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("The job for the RSS probe failed with exit code " + p.exitValue());
    }
    return peak;
  }

  private static long rss(long pid) {
    try {
      Optional<String> line = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
          .filter(l -> l.startsWith("VmRSS:")).findFirst();
      return line.map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).orElse(0L);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}

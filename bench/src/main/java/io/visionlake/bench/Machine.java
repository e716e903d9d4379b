package io.visionlake.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the benchmark ran on, for the report. */
public final class Machine {
  private Machine() {}

  static Map<String, Object> describe(int sparkCores) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpu", cpuModel());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("spark_cores", sparkCores);
    m.put("memory_gb", memoryGb());
    m.put("java", System.getProperty("java.version"));
    m.put("date", java.time.LocalDate.now().toString());
    return m;
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
    } catch (Exception e) {
      return "unknown";
    }
  }

  private static long memoryGb() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
          .findFirst().map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / (1024 * 1024)).orElse(0L);
    } catch (Exception e) {
      return 0;
    }
  }
}

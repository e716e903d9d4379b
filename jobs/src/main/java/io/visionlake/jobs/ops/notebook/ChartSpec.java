package io.visionlake.jobs.ops.notebook;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The chart kinds a SQL cell may ask for and the columns each needs. {@code table} shows rows
 * only; {@code line} and {@code bar} plot {@code y} (comma-separated for several) over {@code x},
 * one series per value of {@code series} if given; {@code heatmap} colours {@code value} over
 * {@code x} × {@code y}; {@code pie} sizes {@code y} by {@code x}.
 */
public final class ChartSpec {
  static final Map<String, List<String>> REQUIRED = Map.of(
      "table", List.of(),
      "line", List.of("x", "y"),
      "bar", List.of("x", "y"),
      "heatmap", List.of("x", "y", "value"),
      "pie", List.of("x", "y"));
  static final Set<String> KEYS = Set.of("chart", "x", "y", "series", "value", "title", "stack", "height");

  private ChartSpec() {}

  static void validate(Map<String, String> spec, String notebook, int line) {
    String chart = spec.getOrDefault("chart", "table");
    if (!REQUIRED.containsKey(chart)) {
      throw new IllegalArgumentException("Notebook " + notebook + " line " + line + ": chart=" + chart
          + " is not a chart kind; use one of " + REQUIRED.keySet());
    }
    for (String key : spec.keySet()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("Notebook " + notebook + " line " + line + ": unknown chart key '" + key + "'; known: " + KEYS);
      }
    }
    for (String key : REQUIRED.get(chart)) {
      if (!spec.containsKey(key)) {
        throw new IllegalArgumentException("Notebook " + notebook + " line " + line + ": chart=" + chart + " needs " + key + "=<column>");
      }
    }
  }

  /** The result columns a cell's chart reads. */
  static List<String> columns(Map<String, String> spec) {
    List<String> out = new java.util.ArrayList<>();
    for (String key : List.of("x", "y", "series", "value")) {
      if (spec.containsKey(key)) {
        for (String c : spec.get(key).split(",")) {
          out.add(c.trim());
        }
      }
    }
    return out;
  }
}

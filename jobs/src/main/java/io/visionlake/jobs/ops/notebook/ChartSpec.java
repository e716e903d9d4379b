package io.visionlake.jobs.ops.notebook;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The chart kinds a SQL cell may ask for and the columns each needs. {@code table} shows rows
 * only; {@code line} and {@code bar} plot {@code y} (comma-separated for several) over {@code x},
 * one series per value of {@code series} if given; {@code heatmap} colours {@code value} over
 * {@code x} × {@code y}; {@code pie} sizes {@code y} by {@code x}; {@code images} shows a contact
 * sheet of the result's {@code path} images (other columns are captions, box columns are drawn
 * with {@code annotate=true}; {@code columns}, {@code thumb}), inlined in the page as a JPEG.
 */
public final class ChartSpec {
  static final Map<String, List<String>> REQUIRED = Map.of(
      "table", List.of(),
      "line", List.of("x", "y"),
      "bar", List.of("x", "y"),
      "heatmap", List.of("x", "y", "value"),
      "pie", List.of("x", "y"),
      "images", List.of());
  static final Set<String> KEYS = Set.of("chart", "x", "y", "series", "value", "title", "stack", "height", "columns", "thumb", "annotate");
  /** An image cell's sheet: at most this many images, at most {@link #MAX_THUMB} px each, so a page stays a few MB. */
  static final int MAX_IMAGES = 48;
  static final int MAX_THUMB = 256;
  static final int DEFAULT_THUMB = 120;

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
    if ("images".equals(chart)) {
      int thumb = intKey(spec, "thumb", DEFAULT_THUMB, notebook, line);
      if (thumb < io.visionlake.udfs.render.SheetLayout.MIN_THUMB || thumb > MAX_THUMB) {
        throw new IllegalArgumentException("Notebook " + notebook + " line " + line + ": thumb must be "
            + io.visionlake.udfs.render.SheetLayout.MIN_THUMB + ".." + MAX_THUMB + " in a notebook, got " + thumb);
      }
      int columns = intKey(spec, "columns", 6, notebook, line);
      if (columns < 1 || columns > io.visionlake.udfs.render.SheetLayout.MAX_COLUMNS) {
        throw new IllegalArgumentException("Notebook " + notebook + " line " + line + ": columns must be 1.."
            + io.visionlake.udfs.render.SheetLayout.MAX_COLUMNS + ", got " + columns);
      }
    }
    for (String key : REQUIRED.get(chart)) {
      if (!spec.containsKey(key)) {
        throw new IllegalArgumentException("Notebook " + notebook + " line " + line + ": chart=" + chart + " needs " + key + "=<column>");
      }
    }
  }

  static int intKey(Map<String, String> spec, String key, int def, String notebook, int line) {
    String v = spec.get(key);
    if (v == null) {
      return def;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Notebook " + notebook + " line " + line + ": " + key + " must be a whole number, got '" + v + "'");
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

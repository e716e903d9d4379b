package io.visionlake.udfs.render;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * One box to draw, in original-image pixels (the coordinates every stored box column uses), with
 * the caption drawn above it: {@code label} and, when known, {@code score}.
 *
 * <p>Generic on purpose: people, faces and OCR boxes are stored today, detections, tracks and lines
 * come later, and each is a list of structs carrying at least {@code x, y, w, h}. {@link
 * #fromRows} reads any such struct by field name.
 *
 * @param label caption text; null or empty draws the box alone
 * @param score shown as {@code 0.87} after the label; null when the column has none
 */
public record RenderBox(int x, int y, int w, int h, String label, Float score) {

  /** {@code label 0.87}, {@code label}, {@code 0.87} or empty. */
  public String caption() {
    String l = label == null ? "" : label;
    if (score == null) {
      return l;
    }
    String s = String.format(Locale.ROOT, "%.2f", score);
    return l.isEmpty() ? s : l + " " + s;
  }

  /**
   * The boxes of one stored column value: a list of structs with int fields {@code x, y, w, h}
   * and optionally {@code score} (float or double), {@code person} (a face's identity from the
   * gallery: the name is the caption; null for an unknown face), {@code label}, {@code text} (OCR
   * lines: the text is the caption) and {@code track_id} (shown as {@code #id}). A struct with none of
   * these captions is captioned {@code defaultLabel} (the column's subject, e.g. "person"). Null
   * entries and entries with a null coordinate are skipped: there is nothing to draw.
   *
   * @throws IllegalArgumentException when the structs lack x, y, w or h, naming what they have
   */
  public static List<RenderBox> fromRows(Iterable<Row> rows, String defaultLabel) {
    List<RenderBox> out = new ArrayList<>();
    if (rows == null) {
      return out;
    }
    for (Row r : rows) {
      if (r == null) {
        continue;
      }
      StructType schema = r.schema();
      if (schema == null) {
        throw new IllegalArgumentException("box rows need a schema to be read by field name");
      }
      List<String> names = List.of(schema.fieldNames());
      for (String f : List.of("x", "y", "w", "h")) {
        if (!names.contains(f)) {
          throw new IllegalArgumentException("a box needs fields x, y, w, h (original-image pixels); this one has " + names);
        }
      }
      if (r.isNullAt(r.fieldIndex("x")) || r.isNullAt(r.fieldIndex("y")) || r.isNullAt(r.fieldIndex("w"))
          || r.isNullAt(r.fieldIndex("h"))) {
        continue;
      }
      String label = defaultLabel;
      for (String f : List.of("person", "label", "text")) {
        if (names.contains(f) && !r.isNullAt(r.fieldIndex(f))) {
          label = String.valueOf(r.get(r.fieldIndex(f)));
          break;
        }
      }
      if (names.contains("track_id") && !r.isNullAt(r.fieldIndex("track_id"))) {
        label = "#" + r.get(r.fieldIndex("track_id")) + (label == null || label.isEmpty() ? "" : " " + label);
      }
      Float score = null;
      if (names.contains("score") && !r.isNullAt(r.fieldIndex("score"))) {
        score = ((Number) r.get(r.fieldIndex("score"))).floatValue();
      }
      out.add(new RenderBox(intField(r, "x"), intField(r, "y"), intField(r, "w"), intField(r, "h"), label, score));
    }
    return out;
  }

  private static int intField(Row r, String name) {
    return ((Number) r.get(r.fieldIndex(name))).intValue();
  }
}

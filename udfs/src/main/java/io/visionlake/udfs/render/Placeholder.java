package io.visionlake.udfs.render;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.util.ArrayList;
import java.util.List;

/**
 * The tile drawn for an input that cannot be read or decoded: a dark red cell with a cross, the
 * decoder's error class and its message word-wrapped, so the sheet shows why instead of failing.
 */
final class Placeholder {
  private Placeholder() {}

  static void draw(Graphics2D g, int x, int y, int w, int h, String errorClass, String message) {
    g.setColor(Palette.PLACEHOLDER);
    g.fillRect(x, y, w, h);
    g.setColor(Palette.PLACEHOLDER.brighter());
    g.drawLine(x, y, x + w - 1, y + h - 1);
    g.drawLine(x + w - 1, y, x, y + h - 1);
    g.setColor(Palette.CAPTION);
    Font bold = new Font(Font.SANS_SERIF, Font.BOLD, 12);
    g.setFont(bold);
    FontMetrics fm = g.getFontMetrics();
    int line = fm.getAscent() + fm.getDescent();
    int ty = y + 4 + fm.getAscent();
    g.drawString(clip(errorClass, fm, w - 8), x + 4, ty);
    g.setFont(bold.deriveFont(Font.PLAIN, 11f));
    fm = g.getFontMetrics();
    line = fm.getAscent() + fm.getDescent();
    for (String l : wrap(message == null ? "" : message, fm, w - 8)) {
      ty += line;
      if (ty + fm.getDescent() > y + h - 4) { // the bottom rows stay clear of text
        break;
      }
      g.drawString(l, x + 4, ty);
    }
  }

  /** {@code text} word-wrapped to {@code width} pixels; a word longer than a line is cut. */
  static List<String> wrap(String text, FontMetrics fm, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String word : text.split("\\s+")) {
      String candidate = cur.length() == 0 ? word : cur + " " + word;
      if (fm.stringWidth(candidate) <= width) {
        cur.setLength(0);
        cur.append(candidate);
      } else {
        if (cur.length() > 0) {
          lines.add(cur.toString());
        }
        cur.setLength(0);
        cur.append(clip(word, fm, width));
      }
    }
    if (cur.length() > 0) {
      lines.add(cur.toString());
    }
    return lines;
  }

  /** {@code text} cut to {@code width} pixels, ending in an ellipsis when cut. */
  static String clip(String text, FontMetrics fm, int width) {
    if (text == null) {
      return "";
    }
    if (fm.stringWidth(text) <= width) {
      return text;
    }
    int n = text.length();
    while (n > 0 && fm.stringWidth(text.substring(0, n) + "…") > width) {
      n--;
    }
    return text.substring(0, n) + "…";
  }
}

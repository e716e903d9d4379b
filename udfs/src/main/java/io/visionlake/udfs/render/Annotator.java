package io.visionlake.udfs.render;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.util.List;

/**
 * Draws boxes with their captions onto an image already on a {@link Graphics2D}. Boxes are in
 * original-image pixels; {@code scale} maps them to the drawn image (the decoder's reduction and
 * any thumbnail resize), {@code (ox, oy)} is where that image's top-left corner is.
 *
 * <p>The border is drawn inside the box's rectangle ({@code x .. x+w-1}), so its outermost pixels
 * lie exactly on the stored coordinates; the caption sits on a filled band above the box (inside
 * it when the box touches the image's top).
 */
final class Annotator {
  private Annotator() {}

  static void draw(Graphics2D g, List<RenderBox> boxes, double scale, int ox, int oy, int imageW, int imageH,
      int stroke, Font font) {
    Shape clip = g.getClip();
    g.clipRect(ox, oy, imageW, imageH);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    // Borders without anti-aliasing: their pixels are exactly the box colour, which is what is read back.
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
    g.setFont(font);
    FontMetrics fm = g.getFontMetrics();
    for (RenderBox b : boxes) {
      int x = ox + (int) Math.round(b.x() * scale);
      int y = oy + (int) Math.round(b.y() * scale);
      int w = Math.max(1, (int) Math.round(b.w() * scale));
      int h = Math.max(1, (int) Math.round(b.h() * scale));
      int s = Math.max(1, Math.min(stroke, Math.min(w, h) / 2));
      Color c = Palette.forLabel(b.label());
      g.setColor(c);
      // Four filled bands rather than a stroked rectangle: a stroke is centred on its path and
      // would put half its width outside the stored coordinates.
      g.fillRect(x, y, w, s);
      g.fillRect(x, y + h - s, w, s);
      g.fillRect(x, y, s, h);
      g.fillRect(x + w - s, y, s, h);
      String caption = b.caption();
      if (!caption.isEmpty()) {
        int tw = fm.stringWidth(caption) + 6;
        int th = fm.getAscent() + fm.getDescent() + 2;
        int ty = y - th >= oy ? y - th : y + s;
        g.fillRect(x, ty, tw, th);
        g.setColor(textOn(c));
        g.drawString(caption, x + 3, ty + 1 + fm.getAscent());
      }
    }
    g.setClip(clip);
  }

  /**
   * Draws counting lines (open) and zones (closed polygons) in original-image pixels, each named at
   * its first point, in one colour distinct from the boxes' label colours.
   */
  static void drawShapes(Graphics2D g, List<RenderShape> shapes, double scale, int ox, int oy, int imageW, int imageH,
      int stroke, Font font) {
    Shape clip = g.getClip();
    g.clipRect(ox, oy, imageW, imageH);
    java.awt.Stroke saved = g.getStroke();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
    g.setStroke(new java.awt.BasicStroke(Math.max(1, stroke)));
    g.setFont(font);
    FontMetrics fm = g.getFontMetrics();
    for (RenderShape sh : shapes) {
      int n = sh.xs().length;
      int[] xs = new int[n];
      int[] ys = new int[n];
      for (int i = 0; i < n; i++) {
        xs[i] = ox + (int) Math.round(sh.xs()[i] * scale);
        ys[i] = oy + (int) Math.round(sh.ys()[i] * scale);
      }
      g.setColor(Palette.SHAPE);
      if (sh.closed()) {
        g.drawPolygon(xs, ys, n);
      } else {
        g.drawPolyline(xs, ys, n);
      }
      int tw = fm.stringWidth(sh.name()) + 6;
      int th = fm.getAscent() + fm.getDescent() + 2;
      int tx = Math.max(ox, Math.min(xs[0], ox + imageW - tw));
      int ty = Math.max(oy, Math.min(ys[0], oy + imageH - th));
      g.fillRect(tx, ty, tw, th);
      g.setColor(textOn(Palette.SHAPE));
      g.drawString(sh.name(), tx + 3, ty + 1 + fm.getAscent());
    }
    g.setStroke(saved);
    g.setClip(clip);
  }

  /** Border thickness for an image of this size: visible on a thumbnail and on a 4K frame. */
  static int strokeFor(int w, int h) {
    return Math.max(2, Math.min(w, h) / 200);
  }

  /** Black or white, whichever reads on {@code c}. */
  private static Color textOn(Color c) {
    double luma = 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
    return luma > 140 ? Color.BLACK : Color.WHITE;
  }

}

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

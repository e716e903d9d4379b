package io.visionlake.udfs.analyze;

import static org.assertj.core.api.Assertions.fail;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.GraphicsEnvironment;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;

/** Text drawn with Java2D into PNG bytes, and the character accuracy of what OCR read back. */
final class RenderedText {
  private RenderedText() {}

  /** A font that must be installed (scripts/setup installs fonts-wqy-zenhei for CJK). */
  static Font font(String family, int style, int size) {
    if (!Arrays.asList(GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames()).contains(family)) {
      fail("Font family '" + family + "' is not installed: run scripts/setup (Debian fonts-dejavu-core, fonts-wqy-zenhei)");
    }
    return new Font(family, style, size);
  }

  /** Dark lines on a light background, with a margin, one line per entry. */
  static byte[] png(Font font, List<String> lines, Color ink, Color paper) throws IOException {
    BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D pg = probe.createGraphics();
    FontMetrics fm = pg.getFontMetrics(font);
    int width = 0;
    for (String l : lines) {
      width = Math.max(width, fm.stringWidth(l));
    }
    pg.dispose();
    int lineHeight = (int) Math.round(fm.getHeight() * 1.6);
    int margin = fm.getHeight();
    BufferedImage img = new BufferedImage(width + 2 * margin, lines.size() * lineHeight + 2 * margin, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(paper);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    g.setColor(ink);
    g.setFont(font);
    for (int i = 0; i < lines.size(); i++) {
      g.drawString(lines.get(i), margin, margin + i * lineHeight + fm.getAscent());
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  /** Levenshtein distance over code points. */
  static int editDistance(String a, String b) {
    int[] x = a.codePoints().toArray();
    int[] y = b.codePoints().toArray();
    int[] prev = new int[y.length + 1];
    int[] cur = new int[y.length + 1];
    for (int j = 0; j <= y.length; j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= x.length; i++) {
      cur[0] = i;
      for (int j = 1; j <= y.length; j++) {
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[y.length];
  }

  static int length(String s) {
    return (int) s.codePoints().count();
  }
}

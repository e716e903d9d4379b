package io.visionlake.udfs.render;

import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecodeException;
import io.visionlake.udfs.image.ImageDecoder;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Composes thumbnails into one grid image ({@link SheetLayout}), tile by tile: each input is read,
 * decoded by the project's {@link ImageDecoder} at the smallest scale that still fills its cell
 * (libjpeg's DCT scaling for JPEGs), fitted, optionally annotated with its boxes, drawn and released
 * before the next is read. An input that cannot be read or decoded becomes a placeholder tile with
 * the reason written on it; the sheet is still produced.
 *
 * <p>Java2D rather than OpenCV for the drawing: captions need real fonts (OpenCV's {@code putText}
 * has only its Hershey stroke fonts, ASCII only, and OCR text is not ASCII), and Java2D runs
 * headless. OpenCV still does what it is good at: decoding and the down-scaling filter.
 * Thread-safe to share; each {@link #render} call owns its canvas.
 */
public final class ContactSheet {
  static {
    // Executors and CI have no display; Java2D needs no X server for off-screen images.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private final ImageDecoder decoder;
  private final int columns;
  private final int thumb;
  private final boolean annotate;

  private ContactSheet(ImageDecoder decoder, int columns, int thumb, boolean annotate) {
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.columns = columns;
    this.thumb = thumb;
    this.annotate = annotate;
    new SheetLayout(columns, thumb, 0); // validates columns and thumb now, not at the first render
  }

  /** @param annotate draw each tile's boxes */
  public static ContactSheet of(ImageDecoder decoder, int columns, int thumb, boolean annotate) {
    return new ContactSheet(decoder, columns, thumb, annotate);
  }

  public SheetLayout layout(int tiles) {
    return new SheetLayout(columns, thumb, tiles);
  }

  /** What one render produced: the image, and the tiles that became placeholders (index, reason). */
  public record Result(BufferedImage image, SheetLayout layout, List<Failure> failures) {}

  /** A tile drawn as a placeholder: its index on the sheet, its name, the decoder's error class and message. */
  public record Failure(int index, String name, String errorClass, String message) {}

  public Result render(List<Tile> tiles) {
    SheetLayout layout = layout(tiles.size());
    BufferedImage canvas = new BufferedImage(layout.width(), layout.height(), BufferedImage.TYPE_3BYTE_BGR);
    List<Failure> failures = new ArrayList<>();
    Graphics2D g = canvas.createGraphics();
    try {
      g.setColor(Palette.BACKGROUND);
      g.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      Font captionFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
      Font boxFont = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(9, Math.min(12, thumb / 14)));
      for (int i = 0; i < tiles.size(); i++) {
        Tile t = tiles.get(i);
        int x = layout.tileX(i);
        int y = layout.tileY(i);
        Failure f = drawTile(g, t, i, x, y, boxFont);
        if (f != null) {
          failures.add(f);
        }
        caption(g, t.caption(), x, y + thumb, captionFont);
      }
    } finally {
      g.dispose();
    }
    return new Result(canvas, layout, failures);
  }

  private Failure drawTile(Graphics2D g, Tile t, int i, int x, int y, Font boxFont) {
    byte[] bytes;
    try {
      bytes = t.source().read();
    } catch (Exception e) { // IOException, or a RuntimeException from the caller's file system
      return placeholder(g, t, i, x, y, "ReadFailed", e.getMessage() == null ? e.toString() : e.getMessage());
    }
    if (bytes == null) {
      return placeholder(g, t, i, x, y, "ReadFailed", "no bytes");
    }
    // The smallest decode that still covers the cell on its longer side: JPEGs decode at 1/2..1/8.
    try (DecodedImage d = decoder.decode(bytes, thumb, thumb)) {
      BufferedImage img = Pixels.fit(d.mat(), thumb, thumb, true);
      int ix = x + (thumb - img.getWidth()) / 2;
      int iy = y + (thumb - img.getHeight()) / 2;
      g.drawImage(img, ix, iy, null);
      if (annotate && !t.shapes().isEmpty()) {
        double scale = (double) img.getWidth() / d.header().width();
        Annotator.drawShapes(g, t.shapes(), scale, ix, iy, img.getWidth(), img.getHeight(), 2, boxFont);
      }
      if (annotate && !t.boxes().isEmpty()) {
        double scale = (double) img.getWidth() / d.header().width();
        Annotator.draw(g, t.boxes(), scale, ix, iy, img.getWidth(), img.getHeight(), 2, boxFont);
      }
      return null;
    } catch (ImageDecodeException e) {
      return placeholder(g, t, i, x, y, e.errorClass(), e.getMessage());
    }
  }

  private Failure placeholder(Graphics2D g, Tile t, int i, int x, int y, String errorClass, String message) {
    Placeholder.draw(g, x, y, thumb, thumb, errorClass, message);
    return new Failure(i, t.name(), errorClass, message);
  }

  /** Caption lines under a tile, each cut to the cell's width with an ellipsis. */
  private void caption(Graphics2D g, List<String> lines, int x, int y, Font font) {
    g.setFont(font);
    g.setColor(Palette.CAPTION);
    FontMetrics fm = g.getFontMetrics();
    int line = fm.getAscent() + fm.getDescent();
    for (int k = 0; k < lines.size() && (k + 1) * line <= SheetLayout.CAPTION_HEIGHT; k++) {
      g.drawString(Placeholder.clip(lines.get(k), fm, thumb - 4), x + 2, y + 2 + k * line + fm.getAscent());
    }
  }
}

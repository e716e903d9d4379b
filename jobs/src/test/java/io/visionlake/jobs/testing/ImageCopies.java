package io.visionlake.jobs.testing;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Near-duplicates of a real photo, as they occur in real collections: re-encoded, resized, cropped. */
public final class ImageCopies {
  private ImageCopies() {}

  /** The same pixels as JPEG quality 60. */
  public static void reencoded(Path photo, Path out) {
    BufferedImage img = read(photo);
    writeJpeg(draw(img, 0, 0, img.getWidth(), img.getHeight(), img.getWidth(), img.getHeight()), 0.6f, out);
  }

  /** Half the width and height (bilinear), JPEG quality 90. */
  public static void halfSize(Path photo, Path out) {
    BufferedImage img = read(photo);
    writeJpeg(draw(img, 0, 0, img.getWidth(), img.getHeight(), img.getWidth() / 2, img.getHeight() / 2), 0.9f, out);
  }

  /** 5% of the width and of the height cut off (half on each side), JPEG quality 90. */
  public static void cropped(Path photo, Path out) {
    BufferedImage img = read(photo);
    int dx = (int) Math.round(img.getWidth() * 0.025);
    int dy = (int) Math.round(img.getHeight() * 0.025);
    int w = img.getWidth() - 2 * dx;
    int h = img.getHeight() - 2 * dy;
    writeJpeg(draw(img, dx, dy, w, h, w, h), 0.9f, out);
  }

  /**
   * 5% of the width and of the height cut off the left and top (the content shifts, as in a user's
   * own crop), JPEG quality 60.
   */
  public static void croppedOffCentreReencoded(Path photo, Path out) {
    BufferedImage img = read(photo);
    int dx = (int) Math.round(img.getWidth() * 0.05);
    int dy = (int) Math.round(img.getHeight() * 0.05);
    int w = img.getWidth() - dx;
    int h = img.getHeight() - dy;
    writeJpeg(draw(img, dx, dy, w, h, w, h), 0.6f, out);
  }

  /** Mirrored left to right, JPEG quality 90: the same face seen from the other side. */
  public static void flipped(Path photo, Path out) {
    BufferedImage img = read(photo);
    BufferedImage mirror = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = mirror.createGraphics();
    g.drawImage(img, img.getWidth(), 0, -img.getWidth(), img.getHeight(), null);
    g.dispose();
    writeJpeg(mirror, 0.9f, out);
  }

  /** The region (x, y, w, h) of the photo scaled to outW x outH (bilinear), JPEG quality 90. */
  public static void region(Path photo, int x, int y, int w, int h, int outW, int outH, Path out) {
    writeJpeg(draw(read(photo), x, y, w, h, outW, outH), 0.9f, out);
  }

  private static BufferedImage read(Path photo) {
    try {
      return ImageIO.read(photo.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static BufferedImage draw(BufferedImage src, int x, int y, int w, int h, int outW, int outH) {
    BufferedImage out = new BufferedImage(outW, outH, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, outW, outH, x, y, x + w, y + h, null);
    g.dispose();
    return out;
  }

  private static void writeJpeg(BufferedImage img, float quality, Path out) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ImageWriteParam param = writer.getDefaultWriteParam();
    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    param.setCompressionQuality(quality);
    try {
      Files.createDirectories(out.getParent());
      Files.deleteIfExists(out);
      try (ImageOutputStream stream = ImageIO.createImageOutputStream(out.toFile())) {
        writer.setOutput(stream);
        writer.write(null, new IIOImage(img, null, null), param);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
  }
}

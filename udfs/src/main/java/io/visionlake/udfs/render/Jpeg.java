package io.visionlake.udfs.render;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** JPEG output of renders: the JDK's writer (no native dependency), RGB/BGR 8-bit only. */
public final class Jpeg {
  /** High enough that 1-2 px box borders and caption text stay crisp; renders are for eyes. */
  public static final float QUALITY = 0.9f;

  private Jpeg() {}

  public static byte[] encode(BufferedImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(image, out);
    return out.toByteArray();
  }

  public static void write(BufferedImage image, OutputStream out) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
      ImageWriteParam p = writer.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(QUALITY);
      writer.setOutput(ios);
      writer.write(null, new IIOImage(image, null, null), p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot encode the render as JPEG: " + e.getMessage(), e);
    } finally {
      writer.dispose();
    }
  }
}

package io.visionlake.udfs.render;

import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecodeException;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.image.ImageHeader;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One image with its stored boxes drawn on it (no inference: the boxes come from the table), at
 * most {@link #MAX_SIDE} pixels on its longer side so a 50 MP photo does not become a 50 MP render.
 */
public final class AnnotatedRender {
  /** Longer side of an annotated render; larger images are decoded reduced and scaled down. */
  public static final int MAX_SIDE = 2048;

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private AnnotatedRender() {}

  /**
   * The image of {@code bytes} with {@code boxes} (original-image pixels) drawn on it.
   *
   * @throws ImageDecodeException when the bytes are not a decodable image
   */
  public static BufferedImage draw(ImageDecoder decoder, byte[] bytes, List<RenderBox> boxes) throws ImageDecodeException {
    // Decode no larger than needed: a JPEG twice MAX_SIDE decodes at half scale inside libjpeg.
    ImageHeader h = ImageHeader.probe(bytes);
    double f = Math.min(1.0, (double) MAX_SIDE / Math.max(h.width(), h.height()));
    try (DecodedImage d = decoder.decode(bytes, (int) Math.ceil(h.width() * f), (int) Math.ceil(h.height() * f))) {
      BufferedImage img = Pixels.fit(d.mat(), MAX_SIDE, MAX_SIDE, false);
      double scale = (double) img.getWidth() / d.header().width();
      Graphics2D g = img.createGraphics();
      try {
        int size = Math.max(12, Math.min(28, Math.min(img.getWidth(), img.getHeight()) / 40));
        Annotator.draw(g, boxes, scale, 0, 0, img.getWidth(), img.getHeight(),
            Annotator.strokeFor(img.getWidth(), img.getHeight()), new Font(Font.SANS_SERIF, Font.PLAIN, size));
      } finally {
        g.dispose();
      }
      return img;
    }
  }

  /** {@link #draw} as JPEG bytes. */
  public static byte[] jpeg(ImageDecoder decoder, byte[] bytes, List<RenderBox> boxes) throws ImageDecodeException {
    return Jpeg.encode(draw(decoder, bytes, boxes));
  }
}

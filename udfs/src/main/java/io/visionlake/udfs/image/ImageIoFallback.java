package io.visionlake.udfs.image;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * Decodes through javax.imageio for what this OpenCV build cannot read: GIF above all (OpenCV 4.9
 * has no GIF codec), plus exotic BMP/TIFF variants.
 */
final class ImageIoFallback {

  private ImageIoFallback() {}

  private static final String GIF_IMAGE_METADATA = "javax_imageio_gif_image_1.0";

  /**
   * Reads only the first frame (animated GIFs can hold hundreds) into a BGR Mat, placed on a canvas
   * of the header's size when the frame is a sub-rectangle of the GIF logical screen.
   *
   * @return the Mat, or null when no ImageIO reader recognises the bytes
   */
  static Mat readFirstFrame(byte[] bytes, ImageHeader header) throws IOException {
    // MemoryCacheImageInputStream avoids ImageIO's default temp-file cache and its global switch.
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return null;
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        BufferedImage frame = reader.read(0);
        int[] offset = {0, 0};
        int canvasW = frame.getWidth();
        int canvasH = frame.getHeight();
        if ("gif".equals(header.format())) {
          offset = gifFrameOffset(reader.getImageMetadata(0));
          // Only trust the logical screen if the frame fits in it; broken GIFs declare 0x0 etc.
          if (offset[0] + frame.getWidth() <= header.width()
              && offset[1] + frame.getHeight() <= header.height()) {
            canvasW = header.width();
            canvasH = header.height();
          } else {
            offset = new int[] {0, 0};
          }
        }
        return toBgrMat(frame, canvasW, canvasH, offset[0], offset[1]);
      } finally {
        reader.dispose();
      }
    }
  }

  private static int[] gifFrameOffset(IIOMetadata md) {
    try {
      Node root = md.getAsTree(GIF_IMAGE_METADATA);
      for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
        if ("ImageDescriptor".equals(n.getNodeName())) {
          NamedNodeMap a = n.getAttributes();
          return new int[] {
            Integer.parseInt(a.getNamedItem("imageLeftPosition").getNodeValue()),
            Integer.parseInt(a.getNamedItem("imageTopPosition").getNodeValue())
          };
        }
      }
    } catch (RuntimeException e) {
      // Missing/odd metadata: fall through to drawing at the origin.
    }
    return new int[] {0, 0};
  }

  /**
   * Converts via one draw into a TYPE_3BYTE_BGR image, whose backing array is already OpenCV's
   * BGR interleaved layout, then a single bulk Mat.put. Transparent pixels land on black, which is
   * what OpenCV's alpha-dropping IMREAD_COLOR yields for typical fully transparent pixels.
   */
  static Mat toBgrMat(BufferedImage src, int canvasW, int canvasH, int x, int y) {
    BufferedImage bgr = new BufferedImage(canvasW, canvasH, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = bgr.createGraphics();
    try {
      g.drawImage(src, x, y, null);
    } finally {
      g.dispose();
    }
    byte[] data = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
    Mat mat = new Mat(canvasH, canvasW, CvType.CV_8UC3);
    mat.put(0, 0, data);
    return mat;
  }
}

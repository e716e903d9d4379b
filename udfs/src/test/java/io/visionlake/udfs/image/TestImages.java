package io.visionlake.udfs.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/** Generates the test corpus in code, so CI needs no binary fixtures. */
final class TestImages {

  private TestImages() {}

  static final Scalar WHITE = new Scalar(255, 255, 255);
  static final Scalar RED_BGR = new Scalar(0, 0, 255);

  /** White image with a solid red square in the top-left corner, as BGR Mat. */
  static Mat markerMat(int width, int height, int markerSize) {
    Mat m = new Mat(height, width, CvType.CV_8UC3, WHITE);
    Imgproc.rectangle(m, new Point(0, 0), new Point(markerSize - 1, markerSize - 1), RED_BGR, -1);
    return m;
  }

  static byte[] encode(String ext, Mat m, int... params) {
    MatOfByte out = new MatOfByte();
    if (!Imgcodecs.imencode(ext, m, out, new MatOfInt(params))) {
      throw new IllegalStateException("imencode " + ext + " failed");
    }
    return out.toArray();
  }

  static byte[] markerJpeg(int width, int height) {
    return encode(".jpg", markerMat(width, height, Math.max(8, Math.min(width, height) / 5)),
        Imgcodecs.IMWRITE_JPEG_QUALITY, 95);
  }

  /** APP1 Exif segment with a single IFD0 entry: Orientation (0x0112, SHORT). */
  static byte[] exifApp1(int orientation, boolean bigEndian) {
    int[] tiff = bigEndian
        ? new int[] {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
            0, orientation, 0, 0, 0, 0, 0, 0}
        : new int[] {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0,
            orientation, 0, 0, 0, 0, 0, 0, 0};
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    int len = 2 + 6 + tiff.length;
    o.write(0xFF);
    o.write(0xE1);
    o.write(len >> 8);
    o.write(len & 0xFF);
    o.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
    for (int v : tiff) {
      o.write(v);
    }
    return o.toByteArray();
  }

  /** Inserts a marker segment right after SOI, as cameras place APP1 Exif. */
  static byte[] spliceAfterSoi(byte[] jpeg, byte[] segment) {
    byte[] r = new byte[jpeg.length + segment.length];
    System.arraycopy(jpeg, 0, r, 0, 2);
    System.arraycopy(segment, 0, r, 2, segment.length);
    System.arraycopy(jpeg, 2, r, 2 + segment.length, jpeg.length - 2);
    return r;
  }

  static byte[] withExif(byte[] jpeg, int orientation) {
    return spliceAfterSoi(jpeg, exifApp1(orientation, true));
  }

  /**
   * A 4-component JPEG as Photoshop writes it: Adobe APP14 marker and INVERTED CMYK samples
   * (255 = no ink). transform 0 = plain CMYK, 2 = YCCK. The JDK writer stores raster samples as
   * given (no colour conversion), so for YCCK we do the CMYK->YCCK transform libjpeg would do.
   * Colour is a uniform red: C=0 M=100% Y=100% K=0.
   */
  static byte[] adobeCmykJpeg(int size, int transform) throws IOException {
    int[] cmykInverted = {255, 0, 0, 255};
    int[] sample = transform == 2 ? ycck(cmykInverted) : cmykInverted;
    WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, size, size, 4, null);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        r.setPixel(x, y, sample);
      }
    }
    ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
    try {
      byte[] plain = writeRaster(w, r, null);
      // Re-use the metadata the reader builds for our own 4-channel file (the writer cannot build
      // default CMYK metadata) and add the Adobe marker that selects CMYK vs YCCK.
      ImageReader rd = ImageIO.getImageReadersByFormatName("jpeg").next();
      rd.setInput(ImageIO.createImageInputStream(new ByteArrayInputStream(plain)));
      IIOMetadata md = rd.getImageMetadata(0);
      rd.dispose();
      String fmt = "javax_imageio_jpeg_image_1.0";
      IIOMetadataNode root = (IIOMetadataNode) md.getAsTree(fmt);
      IIOMetadataNode seq = (IIOMetadataNode) root.getElementsByTagName("markerSequence").item(0);
      IIOMetadataNode adobe = new IIOMetadataNode("app14Adobe");
      adobe.setAttribute("version", "100");
      adobe.setAttribute("flags0", "0");
      adobe.setAttribute("flags1", "0");
      adobe.setAttribute("transform", Integer.toString(transform));
      seq.appendChild(adobe);
      md.setFromTree(fmt, root);
      return writeRaster(w, r, md);
    } finally {
      w.dispose();
    }
  }

  /** libjpeg's cmyk_ycck_convert for one inverted-CMYK sample. */
  private static int[] ycck(int[] c) {
    double r = 255 - c[0];
    double g = 255 - c[1];
    double b = 255 - c[2];
    long y = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    long cb = Math.round(-0.168736 * r - 0.331264 * g + 0.5 * b + 128);
    long cr = Math.round(0.5 * r - 0.418688 * g - 0.081312 * b + 128);
    return new int[] {clamp(y), clamp(cb), clamp(cr), c[3]};
  }

  private static int clamp(long v) {
    return (int) Math.max(0, Math.min(255, v));
  }

  private static byte[] writeRaster(ImageWriter w, Raster r, IIOMetadata md) throws IOException {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bo)) {
      w.setOutput(out);
      w.write(null, new IIOImage(r, null, md), null);
    }
    return bo.toByteArray();
  }

  static byte[] imageIo(BufferedImage img, String format) {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, bo)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bo.toByteArray();
  }

  static byte[] progressiveJpeg(BufferedImage img) throws IOException {
    ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
    ImageWriteParam p = w.getDefaultWriteParam();
    p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bo)) {
      w.setOutput(out);
      w.write(null, new IIOImage(img, null, null), p);
    } finally {
      w.dispose();
    }
    return bo.toByteArray();
  }

  static BufferedImage solid(int w, int h, int type, int rgb) {
    BufferedImage img = new BufferedImage(w, h, type);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, rgb);
      }
    }
    return img;
  }

  /** Two-frame animated GIF: frame 0 all {@code first}, frame 1 all {@code second} (0xRRGGBB). */
  static byte[] animatedGif(int size, int first, int second) throws IOException {
    ImageWriter w = ImageIO.getImageWritersByFormatName("gif").next();
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bo)) {
      w.setOutput(out);
      w.prepareWriteSequence(null);
      for (int rgb : new int[] {first, second}) {
        w.writeToSequence(new IIOImage(palette(size, rgb), null, null), null);
      }
      w.endWriteSequence();
    } finally {
      w.dispose();
    }
    return bo.toByteArray();
  }

  /**
   * The 35-byte decompression bomb: a 1x1 logical screen with one frame whose image descriptor
   * claims {@code frameW x frameH}. ImageIO sizes its frame buffer from the descriptor.
   */
  static byte[] gifWithBigFrame(int frameW, int frameH) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(new byte[] {'G', 'I', 'F', '8', '9', 'a'});
    o.writeBytes(new byte[] {1, 0, 1, 0, (byte) 0x80, 0, 0}); // 1x1, 2-entry global colour table
    o.writeBytes(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
    o.write(','); // image descriptor: left 0, top 0, width, height, no local table
    o.writeBytes(new byte[] {0, 0, 0, 0, (byte) frameW, (byte) (frameW >> 8), (byte) frameH,
        (byte) (frameH >> 8), 0});
    o.writeBytes(new byte[] {2, 2, 0x4C, 0x01, 0}); // LZW min code size, one sub-block, end
    o.write(';');
    return o.toByteArray();
  }

  /** Multi-page TIFF written by the JDK's TIFF writer, one solid page per size (w, h pairs). */
  static byte[] multiPageTiff(int... sizes) throws IOException {
    ImageWriter w = ImageIO.getImageWritersByFormatName("tiff").next();
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bo)) {
      w.setOutput(out);
      w.prepareWriteSequence(null);
      for (int i = 0; i < sizes.length; i += 2) {
        BufferedImage page = solid(sizes[i], sizes[i + 1], BufferedImage.TYPE_3BYTE_BGR, 0xFF0000);
        w.writeToSequence(new IIOImage(page, null, null), null);
      }
      w.endWriteSequence();
    } finally {
      w.dispose();
    }
    return bo.toByteArray();
  }

  /**
   * APP1 Exif as cameras write it: IFD0 (Make, Orientation) chained to IFD1, the thumbnail's IFD,
   * whose own Orientation says 1. Little-endian, as most cameras.
   */
  static byte[] cameraExifApp1(int orientation) {
    ByteArrayOutputStream t = new ByteArrayOutputStream();
    t.writeBytes(new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0});
    // IFD0 at 8: 2 entries (12 bytes each) + next-IFD offset -> IFD1 at 8 + 2 + 24 + 4 + 4 = 42
    t.writeBytes(new byte[] {2, 0});
    t.writeBytes(new byte[] {0x0F, 0x01, 2, 0, 4, 0, 0, 0, 'A', 'c', 'm', 0}); // Make "Acm"
    t.writeBytes(new byte[] {0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte) orientation, 0, 0, 0});
    t.writeBytes(new byte[] {42, 0, 0, 0});
    t.writeBytes(new byte[] {0, 0, 0, 0}); // padding up to offset 42
    t.writeBytes(new byte[] {1, 0}); // IFD1: thumbnail orientation 1, no next IFD
    t.writeBytes(new byte[] {0x12, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0});
    t.writeBytes(new byte[] {0, 0, 0, 0});
    byte[] tiff = t.toByteArray();
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    int len = 2 + 6 + tiff.length;
    o.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len});
    o.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
    o.writeBytes(tiff);
    return o.toByteArray();
  }

  static BufferedImage palette(int size, int rgb) {
    byte[] r = {(byte) (rgb >> 16), 0};
    byte[] g = {(byte) (rgb >> 8), 0};
    byte[] b = {(byte) rgb, 0};
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_INDEXED,
        new IndexColorModel(1, 2, r, g, b));
    return img; // all pixels index 0 = rgb
  }

  /** PNG with a real IHDR for the given size, then a tiny garbage IDAT and IEND. */
  static byte[] pngHeaderOnly(int width, int height) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    byte[] ihdr = new byte[13];
    putBe32(ihdr, 0, width);
    putBe32(ihdr, 4, height);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // truecolour RGB
    chunk(o, "IHDR", ihdr);
    chunk(o, "IDAT", new byte[] {0x78, (byte) 0x9C, 1, 2, 3});
    chunk(o, "IEND", new byte[0]);
    return o.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream o, String type, byte[] data) {
    byte[] len = new byte[4];
    putBe32(len, 0, data.length);
    o.writeBytes(len);
    byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    o.writeBytes(t);
    o.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    byte[] c = new byte[4];
    putBe32(c, 0, (int) crc.getValue());
    o.writeBytes(c);
  }

  static void putBe32(byte[] b, int p, int v) {
    b[p] = (byte) (v >>> 24);
    b[p + 1] = (byte) (v >>> 16);
    b[p + 2] = (byte) (v >>> 8);
    b[p + 3] = (byte) v;
  }

  static void putLe32(byte[] b, int p, int v) {
    b[p] = (byte) v;
    b[p + 1] = (byte) (v >>> 8);
    b[p + 2] = (byte) (v >>> 16);
    b[p + 3] = (byte) (v >>> 24);
  }

  static int indexOf(byte[] b, int from, int... pattern) {
    outer:
    for (int i = from; i <= b.length - pattern.length; i++) {
      for (int k = 0; k < pattern.length; k++) {
        if ((b[i + k] & 0xFF) != pattern[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static byte[] cut(byte[] b, int length) {
    return Arrays.copyOf(b, length);
  }

  /** BGR of pixel (x, y) as ints. */
  static int[] bgr(Mat m, int x, int y) {
    double[] v = m.get(y, x);
    return new int[] {(int) v[0], (int) v[1], (int) v[2]};
  }

  static boolean isRedish(int[] bgr) {
    return bgr[2] > 200 && bgr[1] < 60 && bgr[0] < 60;
  }
}

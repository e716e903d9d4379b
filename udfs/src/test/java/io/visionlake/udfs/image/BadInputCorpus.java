package io.visionlake.udfs.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bad-input corpus of the foundation issue as files, for end-to-end tests: each entry is a
 * file name and its bytes, and whether a correct pipeline must produce an image row (true) or an
 * error row (false).
 */
public final class BadInputCorpus {
  private BadInputCorpus() {}

  /** File name → expected to decode. */
  public static Map<String, Boolean> write(Path dir) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    Map<String, Boolean> decodes = new LinkedHashMap<>();
    OpenCvLoader.ensureLoaded();
    try {
      byte[] jpeg = TestImages.markerJpeg(320, 240);
      put(files, decodes, "zero-bytes.jpg", new byte[0], false);
      put(files, decodes, "truncated.jpg", TestImages.cut(jpeg, jpeg.length / 2), false);
      put(files, decodes, "text-named.jpg", "this is not an image, just text\n".getBytes(StandardCharsets.UTF_8), false);
      put(files, decodes, "cmyk.jpg", TestImages.adobeCmykJpeg(64, 0), true);
      put(files, decodes, "sixteen-bit.png", TestImages.encode(".png", sixteenBit()), true);
      put(files, decodes, "one-pixel.png", TestImages.imageIo(TestImages.solid(1, 1, BufferedImage.TYPE_INT_RGB, 0x336699), "png"), true);
      put(files, decodes, "huge-header.png", TestImages.pngHeaderOnly(60000, 60000), false);
      put(files, decodes, "animated.gif", TestImages.animatedGif(32, 0xff0000, 0x0000ff), true);
      put(files, decodes, "exif-rotated.jpg", TestImages.withExif(jpeg, 6), true);
      put(files, decodes, "grey.png", TestImages.imageIo(TestImages.solid(40, 30, BufferedImage.TYPE_BYTE_GRAY, 0x808080), "png"), true);
      put(files, decodes, "alpha.png", TestImages.imageIo(TestImages.solid(40, 30, BufferedImage.TYPE_INT_ARGB, 0x80ff0000), "png"), true);
      put(files, decodes, "picture.bmp", TestImages.imageIo(TestImages.solid(40, 30, BufferedImage.TYPE_INT_RGB, 0x00ff00), "bmp"), true);
      put(files, decodes, "progressive.jpg", TestImages.progressiveJpeg(TestImages.solid(64, 48, BufferedImage.TYPE_INT_RGB, 0x2080c0)), true);
      Files.createDirectories(dir);
      for (Map.Entry<String, byte[]> e : files.entrySet()) {
        Files.write(dir.resolve(e.getKey()), e.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return decodes;
  }

  private static org.opencv.core.Mat sixteenBit() {
    OpenCvLoader.ensureLoaded();
    org.opencv.core.Mat m = new org.opencv.core.Mat(24, 32, org.opencv.core.CvType.CV_16UC3, new org.opencv.core.Scalar(1000, 30000, 60000));
    return m;
  }

  private static void put(Map<String, byte[]> files, Map<String, Boolean> decodes, String name, byte[] bytes, boolean ok) {
    files.put(name, bytes);
    decodes.put(name, ok);
  }
}

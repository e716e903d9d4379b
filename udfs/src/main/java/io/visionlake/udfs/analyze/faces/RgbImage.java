package io.visionlake.udfs.analyze.faces;

/**
 * Decoded 8-bit pixels, interleaved, row-major: RGB, or BGR (OpenCV's order) read as RGB, so a
 * {@code Mat}'s bytes need no converted copy.
 */
public record RgbImage(byte[] pixels, int width, int height, boolean bgr) {
  public RgbImage {
    if (pixels.length != width * height * 3) {
      throw new IllegalArgumentException("Expected " + width + "x" + height + "x3 bytes, got " + pixels.length);
    }
  }

  /** The pixels of a decoded CV_8UC3 BGR {@code Mat} (copied once, read as RGB). */
  public static RgbImage fromBgr(org.opencv.core.Mat bgr) {
    if (bgr.type() != org.opencv.core.CvType.CV_8UC3) {
      throw new IllegalArgumentException("Expected 8-bit BGR pixels (CV_8UC3), got Mat type " + bgr.type());
    }
    byte[] bytes = new byte[bgr.rows() * bgr.cols() * 3];
    org.opencv.core.Mat continuous = bgr.isContinuous() ? bgr : bgr.clone();
    try {
      continuous.get(0, 0, bytes);
    } finally {
      if (continuous != bgr) {
        continuous.release();
      }
    }
    return new RgbImage(bytes, bgr.cols(), bgr.rows(), true);
  }

  /** Channel {@code c} (0 = red) of pixel (x, y), 0..255. */
  float at(int y, int x, int c) {
    int i = (y * width + x) * 3;
    return pixels[i + (bgr ? 2 - c : c)] & 0xff;
  }
}

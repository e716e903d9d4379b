package io.visionlake.udfs.image;

import org.opencv.core.Core;
import org.opencv.core.Mat;

/**
 * Applies an EXIF orientation to stored pixels so they appear as displayed.
 *
 * <p>We apply it ourselves (decoding with IMREAD_IGNORE_ORIENTATION) rather than letting OpenCV do
 * it, so the ImageIO fallback path and every format behave identically and the rotation always
 * agrees with {@link ImageHeader#exifOrientation()}. The mapping mirrors OpenCV's own
 * ApplyExifOrientation; a test asserts parity for all eight values.
 */
final class Orientation {

  private Orientation() {}

  /** Returns a Mat in display orientation; releases {@code src} if a new Mat was produced. */
  static Mat apply(Mat src, int orientation) {
    if (orientation <= 1 || orientation > 8) {
      return src;
    }
    Mat dst = new Mat();
    try {
      switch (orientation) {
        case 2: Core.flip(src, dst, 1); break;
        case 3: Core.rotate(src, dst, Core.ROTATE_180); break;
        case 4: Core.flip(src, dst, 0); break;
        case 5: Core.transpose(src, dst); break;
        case 6: Core.rotate(src, dst, Core.ROTATE_90_CLOCKWISE); break;
        case 7: {
          Mat t = new Mat();
          try {
            Core.transpose(src, t);
            Core.flip(t, dst, -1);
          } finally {
            t.release();
          }
          break;
        }
        case 8: Core.rotate(src, dst, Core.ROTATE_90_COUNTERCLOCKWISE); break;
        default: throw new AssertionError(orientation);
      }
    } catch (RuntimeException e) {
      dst.release();
      throw e;
    }
    src.release();
    return dst;
  }
}

package io.visionlake.udfs.image;

import org.opencv.core.Mat;

/**
 * Decoded pixels plus what is known about the original. Owns native memory: use
 * try-with-resources, since the JVM GC does not see (or hurry for) OpenCV's off-heap buffers.
 * Not thread-safe.
 *
 * @param mat CV_8UC3, BGR channel order, display orientation (EXIF already applied)
 * @param header header of the ORIGINAL image: format and full displayed size, not the reduced Mat size
 * @param reduction 1, 2, 4 or 8: mat size is about header size / reduction (rounded up)
 */
public record DecodedImage(Mat mat, ImageHeader header, int reduction) implements AutoCloseable {
  /** Width of {@link #mat()}. */
  public int width() {
    return mat.cols();
  }

  /** Height of {@link #mat()}. */
  public int height() {
    return mat.rows();
  }

  /** Releases the pixel buffer; idempotent. */
  @Override
  public void close() {
    mat.release();
  }
}

package io.visionlake.udfs.image;

import org.opencv.core.Mat;

/**
 * Decoded pixels plus what is known about the original. Owns native memory: use
 * try-with-resources, since the JVM GC does not see (or hurry for) OpenCV's off-heap buffers.
 * Not thread-safe.
 */
public final class DecodedImage implements AutoCloseable {

  private final Mat mat;
  private final ImageHeader header;
  private final int reduction;

  DecodedImage(Mat mat, ImageHeader header, int reduction) {
    this.mat = mat;
    this.header = header;
    this.reduction = reduction;
  }

  /** CV_8UC3, BGR channel order, display orientation (EXIF already applied). */
  public Mat mat() {
    return mat;
  }

  /** Header of the ORIGINAL image: format and full displayed size, not the reduced Mat size. */
  public ImageHeader header() {
    return header;
  }

  /** 1, 2, 4 or 8: mat size is about header size / reduction (rounded up). */
  public int reduction() {
    return reduction;
  }

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

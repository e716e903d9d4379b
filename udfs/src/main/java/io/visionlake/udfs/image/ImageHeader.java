package io.visionlake.udfs.image;

import java.io.Serializable;
import java.util.Objects;

/**
 * Format and size of an encoded image, read from its header bytes without decoding pixels.
 *
 * <p>{@link #width()} and {@link #height()} are the DISPLAYED size, i.e. already swapped for EXIF
 * orientations 5..8, because that is the size every consumer (resizing, cropping, bounding boxes)
 * reasons about.
 */
public final class ImageHeader implements Serializable {

  private static final long serialVersionUID = 2L;

  private final String format;
  private final int width;
  private final int height;
  private final int exifOrientation;
  private final int largestFrameWidth;
  private final int largestFrameHeight;

  /** A single-frame image: the largest frame is the image itself. */
  public ImageHeader(String format, int width, int height, int exifOrientation) {
    this(format, width, height, exifOrientation, width, height);
  }

  /**
   * An image with several frames or pages (GIF, TIFF, OS/2 bitmap arrays) whose largest one is
   * {@code largestFrameWidth x largestFrameHeight}, as stored; width and height stay the
   * displayed size of what the decoder returns.
   */
  public ImageHeader(String format, int width, int height, int exifOrientation,
      int largestFrameWidth, int largestFrameHeight) {
    if (largestFrameWidth <= 0 || largestFrameHeight <= 0) {
      throw new IllegalArgumentException("largest frame must be positive: " + largestFrameWidth
          + "x" + largestFrameHeight);
    }
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("dimensions must be positive: " + width + "x" + height);
    }
    if (exifOrientation < 1 || exifOrientation > 8) {
      throw new IllegalArgumentException("EXIF orientation must be 1..8, got " + exifOrientation);
    }
    this.format = Objects.requireNonNull(format, "format");
    this.width = width;
    this.height = height;
    this.exifOrientation = exifOrientation;
    this.largestFrameWidth = largestFrameWidth;
    this.largestFrameHeight = largestFrameHeight;
  }

  /**
   * Identifies the format and reads the dimensions (and EXIF orientation for JPEG/TIFF), plus
   * the largest GIF frame, TIFF page or OS/2 bitmap, all from headers only.
   *
   * @throws ImageDecodeException {@code EmptyFile}, {@code UnsupportedFormat}, {@code Truncated}
   *     or {@code CorruptImage}
   */
  public static ImageHeader probe(byte[] bytes) throws ImageDecodeException {
    return HeaderReader.read(bytes);
  }

  /** Lower-case format name: jpeg, png, gif, bmp, webp or tiff. */
  public String format() {
    return format;
  }

  /** Displayed width (after EXIF orientation). */
  public int width() {
    return width;
  }

  /** Displayed height (after EXIF orientation). */
  public int height() {
    return height;
  }

  /** EXIF orientation 1..8; 1 when absent or not applicable to the format. */
  public int exifOrientation() {
    return exifOrientation;
  }

  /** Width x height as a long, so 60000x60000 does not overflow. */
  public long pixelCount() {
    return (long) width * height;
  }

  /** Width of the largest frame or page (as stored, before orientation). */
  public int largestFrameWidth() {
    return largestFrameWidth;
  }

  /** Height of the largest frame or page (as stored, before orientation). */
  public int largestFrameHeight() {
    return largestFrameHeight;
  }

  /**
   * Pixels of the largest buffer a decoder may allocate for this image: the canvas or any one
   * frame / page, whichever is larger. The pixel limit applies to this, not to the canvas alone,
   * since a GIF with a 1x1 screen may hold a 26000x26000 frame.
   */
  public long largestPixelCount() {
    return Math.max(pixelCount(), (long) largestFrameWidth * largestFrameHeight);
  }

  /** True when orientation transposes the stored image (5..8), i.e. stored width = displayed height. */
  public boolean isTransposed() {
    return exifOrientation >= 5;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ImageHeader)) {
      return false;
    }
    ImageHeader h = (ImageHeader) o;
    return width == h.width
        && height == h.height
        && exifOrientation == h.exifOrientation
        && largestFrameWidth == h.largestFrameWidth
        && largestFrameHeight == h.largestFrameHeight
        && format.equals(h.format);
  }

  @Override
  public int hashCode() {
    return Objects.hash(format, width, height, exifOrientation, largestFrameWidth,
        largestFrameHeight);
  }

  @Override
  public String toString() {
    String s = format + " " + width + "x" + height + " orientation=" + exifOrientation;
    return largestFrameWidth == width && largestFrameHeight == height
        || largestFrameWidth == height && largestFrameHeight == width
        ? s : s + " largestFrame=" + largestFrameWidth + "x" + largestFrameHeight;
  }
}

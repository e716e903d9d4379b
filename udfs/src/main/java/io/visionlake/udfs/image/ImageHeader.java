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

  private static final long serialVersionUID = 1L;

  private final String format;
  private final int width;
  private final int height;
  private final int exifOrientation;

  public ImageHeader(String format, int width, int height, int exifOrientation) {
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
  }

  /**
   * Identifies the format and reads the dimensions (and EXIF orientation for JPEG/TIFF).
   *
   * @throws ImageDecodeException {@code EmptyFile}, {@code UnsupportedFormat}, {@code Truncated}
   *     or {@code CorruptImage}
   */
  public static ImageHeader probe(byte[] bytes) throws ImageDecodeException {
    return HeaderParser.parse(bytes);
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
        && format.equals(h.format);
  }

  @Override
  public int hashCode() {
    return Objects.hash(format, width, height, exifOrientation);
  }

  @Override
  public String toString() {
    return format + " " + width + "x" + height + " orientation=" + exifOrientation;
  }
}

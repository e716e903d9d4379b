package io.visionlake.udfs.image;

/**
 * Raised when bytes cannot be turned into an image.
 *
 * <p>{@link #errorClass()} is a stable short token meant to be stored in an error column and
 * grouped on, so the values below must never be renamed; the message carries the human detail.
 */
public class ImageDecodeException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Zero-length or null content. */
  public static final String EMPTY_FILE = "EmptyFile";
  /** Magic bytes match no supported format. */
  public static final String UNSUPPORTED_FORMAT = "UnsupportedFormat";
  /** The data ends before the format says it should. */
  public static final String TRUNCATED = "Truncated";
  /** Header dimensions exceed the configured pixel limit. */
  public static final String IMAGE_TOO_LARGE = "ImageTooLarge";
  /** Recognised format but the content is inconsistent or the codec rejected it. */
  public static final String CORRUPT_IMAGE = "CorruptImage";

  private final String errorClass;

  public ImageDecodeException(String errorClass, String message) {
    super(message);
    this.errorClass = errorClass;
  }

  public ImageDecodeException(String errorClass, String message, Throwable cause) {
    super(message, cause);
    this.errorClass = errorClass;
  }

  /** Stable short name such as {@code EmptyFile} or {@code CorruptImage}. */
  public String errorClass() {
    return errorClass;
  }

  @Override
  public String toString() {
    return "ImageDecodeException[" + errorClass + "]: " + getMessage();
  }
}

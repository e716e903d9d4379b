package io.visionlake.udfs.image;

import static io.visionlake.udfs.image.ImageDecodeException.CORRUPT_IMAGE;
import static io.visionlake.udfs.image.ImageDecodeException.IMAGE_TOO_LARGE;

import java.io.IOException;
import java.io.Serializable;
import java.util.Objects;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * The one decoder every job uses: bytes in, BGR Mat out, every failure an
 * {@link ImageDecodeException} with a stable {@link ImageDecodeException#errorClass()}.
 *
 * <p>Stateless apart from its options, hence thread-safe and cheap to serialize to executors.
 *
 * <p>Truncation rule: a JPEG without an EOI marker (FF D9) after its scan data is rejected as
 * {@code Truncated} before decoding. libjpeg only warns ("Premature end of JPEG file") and OpenCV
 * returns a full-size image whose missing part is grey, which would silently poison embeddings
 * and labels. The price is rejecting the rare JPEG whose writer omitted only the EOI. PNG, GIF
 * and the rest fail inside their codecs; such failures are reported as {@code Truncated} when the
 * format's end marker is missing and {@code CorruptImage} otherwise.
 */
public final class ImageDecoder implements Serializable {

  private static final long serialVersionUID = 1L;

  /** OpenCV refuses larger images unless CV_IO_MAX_IMAGE_PIXELS is raised (its default 2^30). */
  private static final long OPENCV_DEFAULT_PIXEL_LIMIT = 1L << 30;

  private static final int[] REDUCTIONS = {8, 4, 2};

  private final DecodeOptions options;

  public ImageDecoder(DecodeOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  public ImageDecoder() {
    this(DecodeOptions.defaults());
  }

  public DecodeOptions options() {
    return options;
  }

  /** Full-resolution decode. */
  public DecodedImage decode(byte[] bytes) throws ImageDecodeException {
    return decode(bytes, 0, 0);
  }

  /**
   * Decodes, down-scaling by the largest factor in {1,2,4,8} that keeps the displayed result at
   * least {@code minWidth} x {@code minHeight}. Callers that will resize to e.g. 224x224 anyway
   * should pass that size: JPEG is then decoded at 1/2..1/8 scale inside libjpeg (DCT scaling),
   * which is several times faster and allocates far less than a full decode.
   *
   * <p>(0, 0) means full resolution; a single 0 leaves only that axis unconstrained.
   *
   * @param minWidth smallest acceptable displayed width
   * @param minHeight smallest acceptable displayed height
   */
  public DecodedImage decode(byte[] bytes, int minWidth, int minHeight)
      throws ImageDecodeException {
    if (minWidth < 0 || minHeight < 0) {
      throw new IllegalArgumentException("min size must be >= 0: " + minWidth + "x" + minHeight);
    }
    ImageHeader header = ImageHeader.probe(bytes);
    checkPixelLimit(header);
    int reduction = chooseReduction(header.width(), header.height(), minWidth, minHeight);
    boolean jpeg = "jpeg".equals(header.format());
    if (jpeg && !EndMarkers.jpegHasEoi(bytes)) {
      throw HeaderReader.truncated("jpeg has no end-of-image marker (FF D9) after its scan data ("
          + bytes.length + " bytes)");
    }
    OpenCvLoader.ensureLoaded();

    Mat mat = null;
    try {
      boolean codecReduced = false;
      if (!"gif".equals(header.format())) { // this OpenCV build has no GIF codec
        // Only libjpeg really decodes at reduced scale; for other formats OpenCV would decode in
        // full and then subsample with INTER_LINEAR_EXACT (aliasing), so we resize with INTER_AREA.
        int flags = (jpeg ? reducedFlag(reduction) : Imgcodecs.IMREAD_COLOR)
            | Imgcodecs.IMREAD_IGNORE_ORIENTATION;
        MatOfByte buf = new MatOfByte(bytes);
        try {
          mat = Imgcodecs.imdecode(buf, flags);
        } finally {
          buf.release();
        }
        if (mat.empty()) {
          mat.release();
          mat = null;
        } else {
          codecReduced = jpeg;
        }
      }
      if (mat == null) {
        mat = ImageIoFallback.readFirstFrame(bytes, header);
      }
      if (mat == null || mat.empty()) {
        throw decodeFailed(bytes, header, null);
      }
      mat = toBgr8(mat);
      if (reduction > 1 && !codecReduced) {
        mat = downscale(mat, reduction);
      }
      mat = Orientation.apply(mat, header.exifOrientation());
      return new DecodedImage(mat, header, reduction);
    } catch (ImageDecodeException e) {
      release(mat);
      throw e;
    } catch (IOException | RuntimeException e) { // CvException, ImageIO's IIOException/AIOOBE…
      release(mat);
      throw decodeFailed(bytes, header, e);
    }
  }

  /** Checked before any allocation, against the largest frame/page as well as the canvas. */
  private void checkPixelLimit(ImageHeader h) throws ImageDecodeException {
    if (h.largestPixelCount() <= options.maxPixels()) {
      return;
    }
    String what = h.largestPixelCount() == h.pixelCount()
        ? String.format("Image is %dx%d = %,d pixels", h.width(), h.height(), h.pixelCount())
        : String.format("Image is %dx%d but holds a frame/page of %dx%d = %,d pixels",
            h.width(), h.height(), h.largestFrameWidth(), h.largestFrameHeight(),
            h.largestPixelCount());
    throw new ImageDecodeException(IMAGE_TOO_LARGE, String.format(
        "%s, above the limit of %,d; raise %s if such %s images are expected (each pixel costs "
            + "3 bytes of executor memory)",
        what, options.maxPixels(), DecodeOptions.MAX_PIXELS_KEY, h.format()));
  }

  /**
   * Largest factor whose ceil-divided size still meets the minimum; 1 when none does. (0, 0)
   * means "full resolution"; a single 0 leaves only that axis unconstrained.
   */
  static int chooseReduction(int width, int height, int minWidth, int minHeight) {
    if (minWidth <= 0 && minHeight <= 0) {
      return 1;
    }
    for (int r : REDUCTIONS) {
      if (ceilDiv(width, r) >= minWidth && ceilDiv(height, r) >= minHeight) {
        return r;
      }
    }
    return 1;
  }

  private static int reducedFlag(int reduction) {
    switch (reduction) {
      case 2: return Imgcodecs.IMREAD_REDUCED_COLOR_2;
      case 4: return Imgcodecs.IMREAD_REDUCED_COLOR_4;
      case 8: return Imgcodecs.IMREAD_REDUCED_COLOR_8;
      default: return Imgcodecs.IMREAD_COLOR;
    }
  }

  /** IMREAD_COLOR already yields CV_8UC3; this guards the ImageIO path and codec surprises. */
  private static Mat toBgr8(Mat m) {
    if (m.type() == CvType.CV_8UC3) {
      return m;
    }
    Mat out = m;
    if (m.depth() != CvType.CV_8U) {
      Mat eight = new Mat();
      double scale = m.depth() == CvType.CV_16U ? 1.0 / 257.0
          : m.depth() == CvType.CV_32F || m.depth() == CvType.CV_64F ? 255.0 : 1.0;
      m.convertTo(eight, CvType.CV_8U, scale);
      out = swap(out, eight);
    }
    int channels = out.channels();
    if (channels == 1 || channels == 4) {
      Mat bgr = new Mat();
      Imgproc.cvtColor(out, bgr, channels == 1 ? Imgproc.COLOR_GRAY2BGR : Imgproc.COLOR_BGRA2BGR);
      out = swap(out, bgr);
    } else if (channels != 3) {
      out.release();
      throw new IllegalStateException("decoder produced " + channels + " channels");
    }
    return out;
  }

  private static Mat downscale(Mat m, int reduction) {
    Mat small = new Mat();
    Imgproc.resize(m, small, new Size(ceilDiv(m.cols(), reduction), ceilDiv(m.rows(), reduction)),
        0, 0, Imgproc.INTER_AREA);
    return swap(m, small);
  }

  private static Mat swap(Mat old, Mat replacement) {
    old.release();
    return replacement;
  }

  private static ImageDecodeException decodeFailed(byte[] b, ImageHeader h, Throwable cause) {
    String why = cause == null ? "the " + h.format() + " codec returned no image"
        : "the " + h.format() + " codec failed: " + cause;
    if (h.pixelCount() > OPENCV_DEFAULT_PIXEL_LIMIT) {
      return new ImageDecodeException(IMAGE_TOO_LARGE, "Image is " + h.width() + "x" + h.height()
          + ", above OpenCV's own limit of 2^30 pixels (environment variable "
          + "CV_IO_MAX_IMAGE_PIXELS); " + why, cause);
    }
    if (missingEndMarker(b, h.format())) {
      return new ImageDecodeException(ImageDecodeException.TRUNCATED, "Image is truncated: "
          + h.format() + " data (" + b.length + " bytes) lacks its end marker and " + why, cause);
    }
    return new ImageDecodeException(CORRUPT_IMAGE, "Corrupt " + h.format() + " image ("
        + h.width() + "x" + h.height() + ", " + b.length + " bytes): " + why, cause);
  }

  private static boolean missingEndMarker(byte[] b, String format) {
    switch (format) {
      case "png": return !EndMarkers.pngHasIend(b);
      case "gif": return b[b.length - 1] != 0x3B; // GIF trailer
      case "bmp": return b.length >= 6 && le32(b, 2) > b.length; // declared file size
      case "webp": return b.length >= 8 && le32(b, 4) + 8 > b.length; // RIFF payload size
      default: return false; // TIFF: offsets point anywhere, no cheap end check
    }
  }

  private static void release(Mat m) {
    if (m != null) {
      m.release();
    }
  }

  private static long le32(byte[] b, int p) {
    return (b[p] & 0xFFL) | (b[p + 1] & 0xFFL) << 8 | (b[p + 2] & 0xFFL) << 16
        | (b[p + 3] & 0xFFL) << 24;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}

package io.visionlake.udfs.image;

import static io.visionlake.udfs.image.ImageDecodeException.CORRUPT_IMAGE;
import static io.visionlake.udfs.image.ImageDecodeException.EMPTY_FILE;
import static io.visionlake.udfs.image.ImageDecodeException.TRUNCATED;
import static io.visionlake.udfs.image.ImageDecodeException.UNSUPPORTED_FORMAT;

/**
 * Header-only parsers. Every read is bounds-checked: running off the end means the file was cut
 * short ({@code Truncated}), never an {@code ArrayIndexOutOfBoundsException}.
 */
final class HeaderParser {

  private HeaderParser() {}

  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  private static final byte[] JPEG_MAGIC = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
  private static final byte[] GIF87 = {'G', 'I', 'F', '8', '7', 'a'};
  private static final byte[] GIF89 = {'G', 'I', 'F', '8', '9', 'a'};
  private static final byte[] BMP_MAGIC = {'B', 'M'};
  private static final byte[] RIFF = {'R', 'I', 'F', 'F'};
  private static final byte[] TIFF_LE = {'I', 'I', 42, 0};
  private static final byte[] TIFF_BE = {'M', 'M', 0, 42};

  private static final byte[][] ALL_MAGICS = {PNG_MAGIC, JPEG_MAGIC, GIF87, GIF89, BMP_MAGIC, RIFF,
      TIFF_LE, TIFF_BE};

  static ImageHeader parse(byte[] b) throws ImageDecodeException {
    if (b == null) {
      throw new ImageDecodeException(EMPTY_FILE, "Image content is null (no bytes were read)");
    }
    if (b.length == 0) {
      throw new ImageDecodeException(EMPTY_FILE, "Image file is empty (0 bytes)");
    }
    if (startsWith(b, PNG_MAGIC)) {
      return png(b);
    }
    if (startsWith(b, JPEG_MAGIC)) {
      return jpeg(b);
    }
    if (startsWith(b, GIF87) || startsWith(b, GIF89)) {
      return gif(b);
    }
    if (startsWith(b, BMP_MAGIC)) {
      return bmp(b);
    }
    if (startsWith(b, RIFF)) {
      return webp(b);
    }
    if (startsWith(b, TIFF_LE) || startsWith(b, TIFF_BE)) {
      return tiff(b);
    }
    for (byte[] magic : ALL_MAGICS) {
      // A file shorter than the magic that matches its prefix was cut, not of an unknown type.
      if (b.length < magic.length && startsWith(magic, java.util.Arrays.copyOf(b, b.length))) {
        throw truncated("file is only " + b.length + " bytes, shorter than any image header");
      }
    }
    throw new ImageDecodeException(UNSUPPORTED_FORMAT,
        "Unrecognised image format: first bytes are " + describe(b)
            + "; supported formats are jpeg, png, gif, bmp, webp, tiff");
  }

  // ---------------------------------------------------------------- PNG

  private static ImageHeader png(byte[] b) throws ImageDecodeException {
    // Signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4).
    need(b, 24, "png", "IHDR chunk");
    if (b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
      throw corrupt("png", "first chunk is not IHDR");
    }
    return header("png", be32(b, 16), be32(b, 20), 1);
  }

  // ---------------------------------------------------------------- GIF

  private static ImageHeader gif(byte[] b) throws ImageDecodeException {
    need(b, 10, "gif", "logical screen descriptor");
    return header("gif", le16(b, 6), le16(b, 8), 1);
  }

  // ---------------------------------------------------------------- BMP

  private static ImageHeader bmp(byte[] b) throws ImageDecodeException {
    need(b, 18, "bmp", "DIB header size");
    long dibSize = le32(b, 14);
    if (dibSize == 12) { // OS/2 BITMAPCOREHEADER: 16-bit unsigned dimensions
      need(b, 22, "bmp", "BITMAPCOREHEADER");
      return header("bmp", le16(b, 18), le16(b, 20), 1);
    }
    if (dibSize < 40) {
      throw corrupt("bmp", "unknown DIB header size " + dibSize);
    }
    need(b, 26, "bmp", "BITMAPINFOHEADER");
    int w = (int) le32(b, 18);
    int h = (int) le32(b, 22);
    // Negative height marks a top-down bitmap; the magnitude is the size.
    return header("bmp", w, h == Integer.MIN_VALUE ? h : Math.abs(h), 1);
  }

  // ---------------------------------------------------------------- WebP

  private static ImageHeader webp(byte[] b) throws ImageDecodeException {
    need(b, 16, "webp", "RIFF header");
    if (b[8] != 'W' || b[9] != 'E' || b[10] != 'B' || b[11] != 'P') {
      throw new ImageDecodeException(UNSUPPORTED_FORMAT,
          "RIFF container is not WebP (first bytes " + describe(b) + ")");
    }
    String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
    switch (chunk) {
      case "VP8 ":
        need(b, 30, "webp", "VP8 frame header");
        if ((b[23] & 0xFF) != 0x9D || (b[24] & 0xFF) != 0x01 || (b[25] & 0xFF) != 0x2A) {
          throw corrupt("webp", "VP8 start code missing");
        }
        return header("webp", le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF, 1);
      case "VP8L":
        need(b, 25, "webp", "VP8L header");
        if ((b[20] & 0xFF) != 0x2F) {
          throw corrupt("webp", "VP8L signature missing");
        }
        long bits = le32(b, 21);
        return header("webp", (int) (bits & 0x3FFF) + 1, (int) ((bits >> 14) & 0x3FFF) + 1, 1);
      case "VP8X":
        need(b, 30, "webp", "VP8X header");
        return header("webp", le24(b, 24) + 1, le24(b, 27) + 1, 1);
      default:
        throw corrupt("webp", "unknown first chunk '" + chunk + "'");
    }
  }

  // ---------------------------------------------------------------- TIFF

  private static ImageHeader tiff(byte[] b) throws ImageDecodeException {
    need(b, 8, "tiff", "TIFF header");
    int[] whOrient = readIfd0(b, 0, b.length, true);
    if (whOrient == null) {
      throw truncated("tiff IFD0 lies beyond the end of the data (" + b.length + " bytes)");
    }
    if (whOrient[0] <= 0 || whOrient[1] <= 0) {
      throw corrupt("tiff", "IFD0 lacks ImageWidth/ImageLength");
    }
    return header("tiff", whOrient[0], whOrient[1], whOrient[2]);
  }

  /**
   * Reads width (0x0100), length (0x0101) and orientation (0x0112) from IFD0 of the TIFF structure
   * at {@code base}. Used for TIFF files and for JPEG's Exif block, which is the same structure.
   *
   * @return {width, height, orientation} with 0 for absent sizes and 1 for absent/invalid
   *     orientation, or null when IFD0 cannot be located inside {@code [base, end)}
   */
  static int[] readIfd0(byte[] b, int base, int end, boolean wantSize) {
    if (end - base < 8) {
      return null;
    }
    boolean le;
    if (b[base] == 'I' && b[base + 1] == 'I') {
      le = true;
    } else if (b[base] == 'M' && b[base + 1] == 'M') {
      le = false;
    } else {
      return null;
    }
    long ifd = u32(b, base + 4, le);
    if (ifd < 8 || base + ifd + 2 > end) {
      return null;
    }
    int p = (int) (base + ifd);
    int count = u16(b, p, le);
    p += 2;
    int[] out = {0, 0, 1};
    for (int i = 0; i < count && p + 12 <= end; i++, p += 12) {
      int tag = u16(b, p, le);
      int type = u16(b, p + 2, le);
      // SHORT values sit left-justified in the 4-byte value field; LONG fills it.
      long value = type == 3 ? u16(b, p + 8, le) : type == 4 ? u32(b, p + 8, le) : -1;
      if (tag == 0x0112 && type == 3) {
        out[2] = value >= 1 && value <= 8 ? (int) value : 1;
      } else if (wantSize && tag == 0x0100 && value > 0 && value <= Integer.MAX_VALUE) {
        out[0] = (int) value;
      } else if (wantSize && tag == 0x0101 && value > 0 && value <= Integer.MAX_VALUE) {
        out[1] = (int) value;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- JPEG

  private static ImageHeader jpeg(byte[] b) throws ImageDecodeException {
    int orientation = 1;
    int width = -1;
    int height = -1;
    int p = 2;
    boolean ranOut = false; // distinguishes "cut short" from "structurally wrong"
    while (true) {
      if (p >= b.length) {
        ranOut = true;
        break;
      }
      if ((b[p] & 0xFF) != 0xFF) {
        throw corrupt("jpeg", "expected a marker at offset " + p + " but found 0x"
            + Integer.toHexString(b[p] & 0xFF));
      }
      while (p < b.length && (b[p] & 0xFF) == 0xFF) { // fill bytes may pad markers
        p++;
      }
      if (p >= b.length) {
        ranOut = true;
        break;
      }
      int marker = b[p++] & 0xFF;
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
        continue; // standalone markers carry no length
      }
      if (marker == 0xD9) {
        break; // EOI before any SOS: no image data
      }
      if (p + 2 > b.length) {
        ranOut = true;
        break;
      }
      int len = be16(b, p);
      if (len < 2) {
        throw corrupt("jpeg", "segment 0xFF" + Integer.toHexString(marker) + " has length " + len);
      }
      int segStart = p + 2;
      int segEnd = p + len;
      if (isSof(marker)) {
        if (segStart + 5 > b.length) {
          ranOut = true;
          break;
        }
        height = be16(b, segStart + 1);
        width = be16(b, segStart + 3);
      } else if (marker == 0xE1 && orientation == 1 && segEnd <= b.length) {
        orientation = exifOrientation(b, segStart, segEnd);
      } else if (marker == 0xDA) {
        break; // scan data follows; all header segments are behind us
      }
      p = segEnd;
    }
    if (width < 0) {
      if (ranOut || p >= b.length) {
        throw truncated("jpeg data (" + b.length + " bytes) ends before the frame header (SOF)");
      }
      throw corrupt("jpeg", "no frame header (SOF) before image data");
    }
    if (width == 0 || height == 0) {
      // Height 0 means "defined later by a DNL marker", which libjpeg does not support either.
      throw corrupt("jpeg", "frame header declares " + width + "x" + height);
    }
    return orientation >= 5
        ? header("jpeg", height, width, orientation)
        : header("jpeg", width, height, orientation);
  }

  /** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
  private static boolean isSof(int m) {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
  }

  private static int exifOrientation(byte[] b, int start, int end) {
    if (end - start < 6 || b[start] != 'E' || b[start + 1] != 'x' || b[start + 2] != 'i'
        || b[start + 3] != 'f' || b[start + 4] != 0 || b[start + 5] != 0) {
      return 1; // XMP also lives in APP1; not ours
    }
    int[] r = readIfd0(b, start + 6, end, false);
    return r == null ? 1 : r[2]; // broken Exif must not fail an otherwise good image
  }

  /**
   * Offset just past the SOS segment header (start of entropy-coded data), or -1 if there is none.
   * Walks segment lengths, so it is cheap regardless of file size.
   */
  static int jpegScanStart(byte[] b) {
    int p = 2;
    while (p + 4 <= b.length) {
      if ((b[p] & 0xFF) != 0xFF) {
        return -1;
      }
      int marker = b[p + 1] & 0xFF;
      if (marker == 0xFF) {
        p++;
        continue;
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
        p += 2;
        continue;
      }
      int len = be16(b, p + 2);
      if (len < 2) {
        return -1;
      }
      if (marker == 0xDA) {
        return Math.min(b.length, p + 2 + len);
      }
      p += 2 + len;
    }
    return -1;
  }

  /**
   * True when an EOI marker (FF D9) follows the scan data. Entropy-coded data byte-stuffs 0xFF as
   * FF 00, so any FF D9 after the scan start is a real EOI. Searching backwards is O(1) for normal
   * files and tolerates trailers appended after EOI (e.g. motion-photo video).
   */
  static boolean jpegHasEoi(byte[] b) {
    int scan = jpegScanStart(b);
    if (scan < 0) {
      return false;
    }
    for (int i = b.length - 2; i >= scan; i--) {
      if (b[i] == (byte) 0xFF && b[i + 1] == (byte) 0xD9) {
        return true;
      }
    }
    return false;
  }

  /** True when a PNG ends with the IEND chunk (allowing a little trailing junk). */
  static boolean pngHasIend(byte[] b) {
    int from = Math.max(8, b.length - 64);
    for (int i = b.length - 4; i >= from; i--) {
      if (b[i] == 'I' && b[i + 1] == 'E' && b[i + 2] == 'N' && b[i + 3] == 'D') {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- helpers

  private static ImageHeader header(String format, long w, long h, int orientation)
      throws ImageDecodeException {
    if (w <= 0 || h <= 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
      throw corrupt(format, "header declares invalid dimensions " + w + "x" + h);
    }
    return new ImageHeader(format, (int) w, (int) h, orientation);
  }

  private static void need(byte[] b, int n, String format, String what)
      throws ImageDecodeException {
    if (b.length < n) {
      throw truncated(format + " data is " + b.length + " bytes, too short to contain its " + what
          + " (needs " + n + ")");
    }
  }

  static ImageDecodeException truncated(String detail) {
    return new ImageDecodeException(TRUNCATED,
        "Image is truncated: " + detail + "; the file was probably cut during download or write");
  }

  static ImageDecodeException corrupt(String format, String detail) {
    return new ImageDecodeException(CORRUPT_IMAGE, "Corrupt " + format + " image: " + detail);
  }

  /** Hex plus printable ASCII of the first bytes, so a log line shows e.g. that it is HTML. */
  static String describe(byte[] b) {
    int n = Math.min(b.length, 12);
    StringBuilder hex = new StringBuilder();
    StringBuilder ascii = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int v = b[i] & 0xFF;
      if (i > 0) {
        hex.append(' ');
      }
      hex.append(String.format("%02x", v));
      ascii.append(v >= 0x20 && v < 0x7F ? (char) v : '.');
    }
    return hex + " (\"" + ascii + "\")" + (b.length > n ? " of " + b.length + " bytes" : "");
  }

  private static boolean startsWith(byte[] b, byte[] prefix) {
    if (b.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int be16(byte[] b, int p) {
    return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
  }

  private static long be32(byte[] b, int p) {
    return ((long) be16(b, p) << 16) | be16(b, p + 2);
  }

  private static int le16(byte[] b, int p) {
    return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8);
  }

  private static int le24(byte[] b, int p) {
    return le16(b, p) | ((b[p + 2] & 0xFF) << 16);
  }

  private static long le32(byte[] b, int p) {
    return le16(b, p) | ((long) le16(b, p + 2) << 16);
  }

  private static int u16(byte[] b, int p, boolean le) {
    return le ? le16(b, p) : be16(b, p);
  }

  private static long u32(byte[] b, int p, boolean le) {
    return le ? le32(b, p) : be32(b, p);
  }
}

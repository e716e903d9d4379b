package io.visionlake.udfs.image;

/**
 * End-of-data checks the decoder makes before and after decoding (metadata-extractor reads
 * headers, not whether the data after them is complete).
 */
final class EndMarkers {

  private EndMarkers() {}

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

  private static int be16(byte[] b, int p) {
    return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
  }
}

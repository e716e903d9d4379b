package io.visionlake.udfs.image;

import static io.visionlake.udfs.image.ImageDecodeException.CORRUPT_IMAGE;
import static io.visionlake.udfs.image.ImageDecodeException.EMPTY_FILE;
import static io.visionlake.udfs.image.ImageDecodeException.TRUNCATED;
import static io.visionlake.udfs.image.ImageDecodeException.UNSUPPORTED_FORMAT;

import com.drew.imaging.bmp.BmpMetadataReader;
import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.imaging.jpeg.JpegProcessingException;
import com.drew.imaging.jpeg.JpegSegmentMetadataReader;
import com.drew.imaging.jpeg.JpegSegmentType;
import com.drew.imaging.png.PngChunk;
import com.drew.imaging.png.PngChunkReader;
import com.drew.imaging.png.PngChunkType;
import com.drew.imaging.png.PngHeader;
import com.drew.imaging.png.PngProcessingException;
import com.drew.imaging.tiff.TiffProcessingException;
import com.drew.imaging.tiff.TiffReader;
import com.drew.imaging.webp.WebpMetadataReader;
import com.drew.lang.ByteArrayReader;
import com.drew.lang.RandomAccessReader;
import com.drew.lang.StreamReader;
import com.drew.metadata.Directory;
import com.drew.metadata.ErrorDirectory;
import com.drew.metadata.Metadata;
import com.drew.metadata.bmp.BmpHeaderDirectory;
import com.drew.metadata.exif.ExifDirectoryBase;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifImageDirectory;
import com.drew.metadata.exif.ExifReader;
import com.drew.metadata.jpeg.JpegDirectory;
import com.drew.metadata.jpeg.JpegReader;
import com.drew.metadata.tiff.DirectoryTiffHandler;
import com.drew.metadata.webp.WebpDirectory;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Reads an {@link ImageHeader} with metadata-extractor (JPEG SOF and Exif, PNG IHDR, BMP, WebP,
 * TIFF IFDs) plus one hand-written walk over GIF image descriptors.
 *
 * <p>Why GIF stays hand-written: metadata-extractor's GifReader keeps one directory per frame
 * (plus one per control extension); a 15 MB GIF of a million 1x1 frames took 20 s and about
 * 620 MB of heap to read. The walk below keeps only the running maximum.
 *
 * <p>Only the readers we need are called, never ImageMetadataReader's full set: it inflates PNG
 * zTXt/iCCP chunks in full (a decompression bomb inside the header read) and took milliseconds
 * per JPEG where SOF plus Exif takes microseconds.
 *
 * <p>Whatever is malformed becomes an {@link ImageDecodeException}: running off the end means the
 * file was cut short ({@code Truncated}), anything else is {@code CorruptImage}.
 */
final class HeaderReader {

  private HeaderReader() {}

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

  /**
   * TiffReader recurses once per page, so a file of tiny chained IFDs could overflow the stack.
   * No decoder here reads past page 0; the cap only bounds the walk that checks the pixel limit.
   */
  static final int MAX_TIFF_PAGES = 1000;

  static ImageHeader read(byte[] b) throws ImageDecodeException {
    if (b == null) {
      throw new ImageDecodeException(EMPTY_FILE, "Image content is null (no bytes were read)");
    }
    if (b.length == 0) {
      throw new ImageDecodeException(EMPTY_FILE, "Image file is empty (0 bytes)");
    }
    // Dispatch on the magic ourselves: a file cut inside its magic is Truncated, not unknown.
    try {
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
    } catch (EOFException e) {
      throw truncated(describeFormat(b) + " data (" + b.length + " bytes) ends inside its headers: "
          + e.getMessage());
    } catch (IOException e) {
      throw corrupt(describeFormat(b), e.getMessage());
    }
    for (byte[] magic : ALL_MAGICS) {
      // A file shorter than the magic that matches its prefix was cut, not of an unknown type.
      if (b.length < magic.length && startsWith(magic, b)) {
        throw truncated("file is only " + b.length + " bytes, shorter than any image header");
      }
    }
    throw new ImageDecodeException(UNSUPPORTED_FORMAT,
        "Unrecognised image format: first bytes are " + describe(b)
            + "; supported formats are jpeg, png, gif, bmp, webp, tiff");
  }

  // ---------------------------------------------------------------- PNG

  private static ImageHeader png(byte[] b) throws ImageDecodeException, IOException {
    Iterable<PngChunk> chunks;
    try {
      // Only IHDR is kept; the reader skips other chunk bodies and stops at IEND.
      chunks = new PngChunkReader().extract(new StreamReader(new ByteArrayInputStream(b)),
          Set.of(PngChunkType.IHDR));
      for (PngChunk c : chunks) {
        PngHeader h = new PngHeader(c.getBytes());
        return header("png", h.getImageWidth() & 0xFFFFFFFFL, h.getImageHeight() & 0xFFFFFFFFL,
            1, null);
      }
    } catch (PngProcessingException e) {
      throw corrupt("png", e.getMessage());
    }
    throw corrupt("png", "no IHDR chunk");
  }

  // ---------------------------------------------------------------- JPEG

  private static ImageHeader jpeg(byte[] b) throws ImageDecodeException, IOException {
    Metadata md = new Metadata();
    try {
      JpegMetadataReader.process(md, new ByteArrayInputStream(b),
          List.of(new JpegReader(), new FirstExifOnly()));
    } catch (JpegProcessingException e) {
      throw corrupt("jpeg", e.getMessage());
    }
    JpegDirectory sof = md.getFirstDirectoryOfType(JpegDirectory.class);
    if (sof == null || !sof.containsTag(JpegDirectory.TAG_IMAGE_WIDTH)) {
      throw corrupt("jpeg", "no frame header (SOF) before the image data");
    }
    int width = sof.getInteger(JpegDirectory.TAG_IMAGE_WIDTH);
    int height = sof.getInteger(JpegDirectory.TAG_IMAGE_HEIGHT);
    if (width == 0 || height == 0) {
      // Height 0 means "defined later by a DNL marker", which libjpeg does not support either.
      throw corrupt("jpeg", "frame header declares " + width + "x" + height);
    }
    // Broken Exif must not fail an otherwise good image: orientation falls back to 1.
    int orientation = orientation(md.getFirstDirectoryOfType(ExifIFD0Directory.class));
    return orientation >= 5
        ? header("jpeg", height, width, orientation, null)
        : header("jpeg", width, height, orientation, null);
  }

  /**
   * ExifReader over the first Exif APP1 segment only: orientation lives in IFD0 of that block, and
   * a file stuffed with Exif segments should not cost one full Exif parse each.
   */
  private static final class FirstExifOnly implements JpegSegmentMetadataReader {
    private final ExifReader exif = new ExifReader();

    @Override
    public Iterable<JpegSegmentType> getSegmentTypes() {
      return exif.getSegmentTypes();
    }

    @Override
    public void readJpegSegments(Iterable<byte[]> segments, Metadata metadata,
        JpegSegmentType segmentType) {
      for (byte[] segment : segments) {
        if (segment.length >= 6 && new String(segment, 0, 6, StandardCharsets.ISO_8859_1)
            .equals(ExifReader.JPEG_SEGMENT_PREAMBLE)) {
          exif.readJpegSegments(Collections.singletonList(segment), metadata, segmentType);
          return;
        }
      }
    }
  }

  private static int orientation(Directory ifd0) {
    if (ifd0 == null) {
      return 1;
    }
    Integer v = ifd0.getInteger(ExifDirectoryBase.TAG_ORIENTATION);
    return v != null && v >= 1 && v <= 8 ? v : 1;
  }

  // ---------------------------------------------------------------- GIF (hand-written, see above)

  /**
   * Logical screen size plus the largest image descriptor. Each frame is decoded into a buffer of
   * its own size, which may exceed the screen: a 1x1 screen can carry a 26000x26000 frame.
   * A GIF cut after its first complete descriptor keeps what was read, since the decoder reads
   * only the first frame; one cut before it is Truncated.
   */
  private static ImageHeader gif(byte[] b) throws ImageDecodeException {
    need(b, 13, "gif", "logical screen descriptor");
    int screenW = le16(b, 6);
    int screenH = le16(b, 8);
    int p = 13 + colorTableSize(b[10]);
    long maxPixels = (long) screenW * screenH;
    int[] largest = {screenW, screenH};
    int frames = 0;
    boolean trailer = false;
    walk:
    while (p < b.length) {
      switch (b[p]) {
        case 0x2C: { // image descriptor: left, top, width, height, flags
          if (p + 10 > b.length) {
            break walk;
          }
          int w = le16(b, p + 5);
          int h = le16(b, p + 7);
          if ((long) w * h > maxPixels) {
            maxPixels = (long) w * h;
            largest = new int[] {w, h};
          }
          frames++;
          p += 10 + colorTableSize(b[p + 9]) + 1; // + LZW minimum code size
          p = skipSubBlocks(b, p);
          break;
        }
        case 0x21: // extension: label, then sub-blocks
          p = skipSubBlocks(b, p + 2);
          break;
        case 0x3B: // trailer
          trailer = true;
          break walk;
        default:
          if (frames == 0) {
            throw corrupt("gif", "unknown block 0x" + Integer.toHexString(b[p] & 0xFF)
                + " at offset " + p + " before the first image");
          }
          break walk; // later garbage: ImageIO reads only the first frame
      }
    }
    if (frames == 0 && trailer) {
      throw corrupt("gif", "no image before the trailer");
    }
    if (frames == 0) {
      throw truncated("gif data (" + b.length + " bytes) ends before its first image descriptor");
    }
    if (screenW == 0 || screenH == 0) {
      // Broken writers declare a 0x0 screen; the decoder then uses the frame's own size.
      return header("gif", largest[0], largest[1], 1, largest);
    }
    return header("gif", screenW, screenH, 1, largest);
  }

  private static int colorTableSize(byte flags) {
    return (flags & 0x80) != 0 ? 3 << ((flags & 0x07) + 1) : 0;
  }

  /** Offset after a chain of length-prefixed sub-blocks ending in a 0 block (or b.length). */
  private static int skipSubBlocks(byte[] b, int p) {
    while (p < b.length) {
      int len = b[p] & 0xFF;
      p += 1 + len;
      if (len == 0) {
        break;
      }
    }
    return p;
  }

  // ---------------------------------------------------------------- BMP

  private static ImageHeader bmp(byte[] b) throws ImageDecodeException, IOException {
    Metadata md = BmpMetadataReader.readMetadata(new ByteArrayInputStream(b));
    long maxPixels = -1;
    int[] largest = null;
    int[] first = null;
    // OS/2 bitmap arrays hold several bitmaps; each is a candidate for decoding.
    for (BmpHeaderDirectory d : md.getDirectoriesOfType(BmpHeaderDirectory.class)) {
      Integer w = d.getInteger(BmpHeaderDirectory.TAG_IMAGE_WIDTH);
      Integer h = d.getInteger(BmpHeaderDirectory.TAG_IMAGE_HEIGHT);
      if (w == null || h == null) {
        continue;
      }
      // Negative height marks a top-down bitmap; the magnitude is the size.
      int[] wh = {w, h == Integer.MIN_VALUE ? h : Math.abs(h)};
      if (first == null) {
        first = wh;
      }
      if ((long) wh[0] * wh[1] > maxPixels) {
        maxPixels = (long) wh[0] * wh[1];
        largest = wh;
      }
    }
    if (first == null) {
      if (b.length < 26) {
        throw truncated("bmp data is " + b.length + " bytes, too short to contain its "
            + "BITMAPINFOHEADER");
      }
      throw corrupt("bmp", "no readable bitmap header (" + errors(md) + ")");
    }
    return header("bmp", first[0], first[1], 1, largest);
  }

  // ---------------------------------------------------------------- WebP

  private static ImageHeader webp(byte[] b) throws ImageDecodeException, IOException {
    need(b, 16, "webp", "RIFF header");
    if (b[8] != 'W' || b[9] != 'E' || b[10] != 'B' || b[11] != 'P') {
      throw new ImageDecodeException(UNSUPPORTED_FORMAT,
          "RIFF container is not WebP (first bytes " + describe(b) + ")");
    }
    Metadata md;
    try {
      md = WebpMetadataReader.readMetadata(new ByteArrayInputStream(b));
    } catch (com.drew.imaging.riff.RiffProcessingException e) {
      throw corrupt("webp", e.getMessage());
    }
    // VP8X carries the canvas; animation frames (ANMF) must fit inside it, which libwebp enforces.
    WebpDirectory d = md.getFirstDirectoryOfType(WebpDirectory.class);
    if (d == null || !d.containsTag(WebpDirectory.TAG_IMAGE_WIDTH)) {
      long declared = le32(b, 4) + 8L;
      if (b.length < declared) {
        throw truncated("webp data (" + b.length + " bytes) is shorter than its RIFF size ("
            + declared + ") and holds no complete VP8/VP8L/VP8X header");
      }
      throw corrupt("webp", "no VP8/VP8L/VP8X header with a size (" + errors(md) + ")");
    }
    return header("webp", d.getInteger(WebpDirectory.TAG_IMAGE_WIDTH),
        d.getInteger(WebpDirectory.TAG_IMAGE_HEIGHT), 1, null);
  }

  // ---------------------------------------------------------------- TIFF

  private static ImageHeader tiff(byte[] b) throws ImageDecodeException, IOException {
    need(b, 8, "tiff", "TIFF header");
    Metadata md = new Metadata();
    try {
      new TiffReader().processTiff(new ByteArrayReader(b), new PageHandler(md), 0);
    } catch (TiffProcessingException e) {
      throw corrupt("tiff", e.getMessage());
    }
    List<ExifImageDirectory> pages = new ArrayList<>(
        md.getDirectoriesOfType(ExifImageDirectory.class));
    if (pages.isEmpty()) {
      throw truncated("tiff IFD0 lies beyond the end of the data (" + b.length + " bytes)");
    }
    ExifImageDirectory ifd0 = pages.get(0);
    Integer w = ifd0.getInteger(ExifDirectoryBase.TAG_IMAGE_WIDTH);
    Integer h = ifd0.getInteger(ExifDirectoryBase.TAG_IMAGE_HEIGHT);
    if (w == null || h == null || w <= 0 || h <= 0) {
      throw corrupt("tiff", "IFD0 lacks ImageWidth/ImageLength");
    }
    long maxPixels = (long) w * h;
    int[] largest = {w, h};
    for (ExifImageDirectory page : pages) {
      Long pw = page.getLongObject(ExifDirectoryBase.TAG_IMAGE_WIDTH);
      Long ph = page.getLongObject(ExifDirectoryBase.TAG_IMAGE_HEIGHT);
      if (pw != null && ph != null && pw * ph > maxPixels) {
        if (pw > Integer.MAX_VALUE || ph > Integer.MAX_VALUE) {
          throw corrupt("tiff", "a page declares invalid dimensions " + pw + "x" + ph);
        }
        maxPixels = pw * ph;
        largest = new int[] {pw.intValue(), ph.intValue()};
      }
    }
    return header("tiff", w, h, orientation(ifd0), largest);
  }

  /**
   * One directory per page of the IFD chain. metadata-extractor's own ExifTiffHandler files the
   * second IFD as a thumbnail unless it has a PageNumber tag and then writes every later IFD into
   * that same directory, so the largest page could go unseen.
   */
  private static final class PageHandler extends DirectoryTiffHandler {
    private int pages;

    PageHandler(Metadata md) {
      super(md, null);
    }

    @Override
    public void setTiffMarker(int marker) throws TiffProcessingException {
      if (marker != 42) {
        throw new TiffProcessingException("unexpected TIFF marker " + marker);
      }
      pushDirectory(ExifImageDirectory.class);
      pages = 1;
    }

    @Override
    public boolean tryEnterSubIfd(int tagId) {
      return false; // Exif/GPS/SubIFDs: alternative renditions no decoder here reads
    }

    @Override
    public boolean hasFollowerIfd() {
      if (pages >= MAX_TIFF_PAGES) {
        return false;
      }
      pages++;
      pushDirectory(ExifImageDirectory.class);
      return true;
    }

    @Override
    public Long tryCustomProcessFormat(int tagId, int formatCode, long componentCount) {
      return null;
    }

    @Override
    public boolean customProcessTag(int tagOffset, Set<Integer> processedIfdOffsets,
        int tiffHeaderOffset, RandomAccessReader reader, int tagId, int byteCount) {
      return false;
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * @param largest width and height of the largest frame/page, or null when the image has one
   */
  private static ImageHeader header(String format, long w, long h, int orientation, int[] largest)
      throws ImageDecodeException {
    if (w <= 0 || h <= 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
      throw corrupt(format, "header declares invalid dimensions " + w + "x" + h);
    }
    if (largest == null || (long) largest[0] * largest[1] <= w * h) {
      return new ImageHeader(format, (int) w, (int) h, orientation);
    }
    return new ImageHeader(format, (int) w, (int) h, orientation, largest[0], largest[1]);
  }

  private static String errors(Metadata md) {
    List<String> all = new ArrayList<>();
    for (Directory d : md.getDirectories()) {
      if (d instanceof ErrorDirectory || d.hasErrors()) {
        d.getErrors().forEach(all::add);
      }
    }
    return all.isEmpty() ? "no details" : String.join("; ", all);
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

  private static String describeFormat(byte[] b) {
    if (startsWith(b, PNG_MAGIC)) {
      return "png";
    }
    if (startsWith(b, JPEG_MAGIC)) {
      return "jpeg";
    }
    if (startsWith(b, BMP_MAGIC)) {
      return "bmp";
    }
    if (startsWith(b, RIFF)) {
      return "webp";
    }
    return startsWith(b, GIF87) || startsWith(b, GIF89) ? "gif" : "tiff";
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
    return b.length >= prefix.length
        && Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static int le16(byte[] b, int p) {
    return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8);
  }

  private static long le32(byte[] b, int p) {
    return le16(b, p) | ((long) le16(b, p + 2) << 16);
  }
}

package io.visionlake.udfs.image;

import static io.visionlake.udfs.image.TestImages.bgr;
import static io.visionlake.udfs.image.TestImages.encode;
import static io.visionlake.udfs.image.TestImages.isRedish;
import static io.visionlake.udfs.image.TestImages.markerJpeg;
import static io.visionlake.udfs.image.TestImages.markerMat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.visionlake.udfs.testing.UnitTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Scalar;
import org.opencv.imgcodecs.Imgcodecs;

@UnitTest
class ImageDecoderTest {

  private static final ImageDecoder DECODER = new ImageDecoder(DecodeOptions.defaults());

  @BeforeAll
  static void loadOpenCv() {
    OpenCvLoader.ensureLoaded();
  }

  private static ImageDecodeException fails(byte[] bytes) {
    ImageDecodeException e =
        catchThrowableOfType(() -> DECODER.decode(bytes, 0, 0).close(), ImageDecodeException.class);
    assertThat(e).as("expected an ImageDecodeException, not success or an unchecked exception")
        .isNotNull();
    return e;
  }

  private static void assertBgr8(DecodedImage img, int w, int h) {
    assertThat(img.mat().type()).as("always CV_8UC3").isEqualTo(CvType.CV_8UC3);
    assertThat(img.width()).as("mat width").isEqualTo(w);
    assertThat(img.height()).as("mat height").isEqualTo(h);
  }

  // ------------------------------------------------------------------ bad input corpus

  @Test
  void zeroBytesIsEmptyFile() {
    assertThat(fails(new byte[0]).errorClass()).isEqualTo("EmptyFile");
  }

  @Test
  void textFileNamedJpgIsUnsupported() {
    ImageDecodeException e = fails("just some notes.txt\n".getBytes(StandardCharsets.UTF_8));
    assertThat(e.errorClass()).isEqualTo("UnsupportedFormat");
    assertThat(e.getMessage()).contains("6a 75 73 74").contains("just some no");
  }

  @Test
  void jpegCutInHalfIsTruncated() {
    byte[] jpeg = encode(".jpg", noise(800, 600));
    ImageDecodeException e = fails(TestImages.cut(jpeg, jpeg.length / 2));
    assertThat(e.errorClass())
        .as("OpenCV would return a half-grey 800x600 image; we reject it (no EOI)")
        .isEqualTo("Truncated");
    assertThat(e.getMessage()).contains("FF D9");
  }

  @Test
  void jpegMissingOnlyItsEoiIsTruncatedByRule() {
    byte[] jpeg = markerJpeg(64, 64);
    assertThat(fails(TestImages.cut(jpeg, jpeg.length - 2)).errorClass())
        .as("documented rule: no EOI after scan data = Truncated").isEqualTo("Truncated");
  }

  @Test
  void jpegCutBeforeScanIsTruncated() {
    byte[] jpeg = markerJpeg(64, 64);
    int sos = TestImages.indexOf(jpeg, 2, 0xFF, 0xDA);
    assertThat(fails(TestImages.cut(jpeg, sos)).errorClass()).isEqualTo("Truncated");
  }

  @Test
  void jpegWithTrailerAfterEoiStillDecodes() throws Exception {
    // Motion photos and some phones append data after EOI; that is not truncation.
    byte[] jpeg = markerJpeg(64, 48);
    byte[] withTrailer = java.util.Arrays.copyOf(jpeg, jpeg.length + 1000);
    try (DecodedImage img = DECODER.decode(withTrailer, 0, 0)) {
      assertBgr8(img, 64, 48);
    }
  }

  @Test
  void pngCutInHalfIsTruncated() {
    byte[] png = encode(".png", noise(300, 200));
    assertThat(fails(TestImages.cut(png, png.length / 2)).errorClass())
        .as("libpng fails; IEND missing -> Truncated").isEqualTo("Truncated");
  }

  @Test
  void bmpAndWebpCutShortAreTruncated() {
    byte[] bmp = TestImages.imageIo(
        TestImages.solid(40, 30, BufferedImage.TYPE_3BYTE_BGR, 0xFF), "bmp");
    assertThat(fails(TestImages.cut(bmp, bmp.length / 2)).errorClass())
        .as("BMP shorter than its declared file size").isEqualTo("Truncated");
    byte[] webp = encode(".webp", noise(64, 64));
    assertThat(fails(TestImages.cut(webp, webp.length / 2)).errorClass())
        .as("WebP shorter than its RIFF size").isEqualTo("Truncated");
  }

  @Test
  void jpegWithGarbageScanDataNeverThrowsUnchecked() {
    byte[] jpeg = encode(".jpg", noise(128, 128));
    int scan = EndMarkers.jpegScanStart(jpeg);
    Random rnd = new Random(42);
    for (int i = scan; i < jpeg.length - 2; i++) {
      jpeg[i] = (byte) rnd.nextInt(0xFF); // never 0xFF, so the EOI stays the only marker
    }
    try (DecodedImage img = DECODER.decode(jpeg, 0, 0)) {
      assertThat(img.mat().type()).as("libjpeg may render garbage; it must still be BGR8")
          .isEqualTo(CvType.CV_8UC3);
    } catch (ImageDecodeException e) {
      assertThat(e.errorClass()).isEqualTo("CorruptImage");
    }
  }

  @Test
  void fuzzedBytesOnlyEverYieldImageDecodeException() throws Exception {
    List<byte[]> seeds = List.of(
        markerJpeg(64, 48),
        encode(".png", markerMat(40, 30, 5)),
        encode(".webp", markerMat(40, 30, 5)),
        encode(".tiff", markerMat(40, 30, 5)),
        TestImages.imageIo(TestImages.solid(20, 10, BufferedImage.TYPE_3BYTE_BGR, 0xFF), "bmp"),
        TestImages.animatedGif(16, 0xFF0000, 0x00FF00));
    Random rnd = new Random(7);
    int decoded = 0;
    int rejected = 0;
    for (byte[] seed : seeds) {
      for (int i = 0; i < 40; i++) {
        byte[] b = seed.clone();
        if (i % 2 == 0) {
          b = TestImages.cut(b, rnd.nextInt(b.length));
        } else {
          for (int k = 0; k < 4; k++) {
            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
          }
        }
        try (DecodedImage img = DECODER.decode(b, 0, 0)) {
          assertThat(img.mat().type()).isEqualTo(CvType.CV_8UC3);
          decoded++;
        } catch (ImageDecodeException e) {
          assertThat(e.errorClass()).isIn("EmptyFile", "UnsupportedFormat", "Truncated",
              "CorruptImage", "ImageTooLarge");
          rejected++;
        }
      }
    }
    assertThat(decoded + rejected).isEqualTo(seeds.size() * 40);
  }

  @Test
  void hugePngHeaderRejectedBeforeDecoding() {
    ImageDecodeException e = fails(TestImages.pngHeaderOnly(60000, 60000));
    assertThat(e.errorClass()).isEqualTo("ImageTooLarge");
    assertThat(e.getMessage()).as("says the size and which setting to raise")
        .contains("60000x60000").contains("visionlake.decode.maxPixels");
  }

  @Test
  void gifWithOnePixelScreenAndHugeFrameRejectedBeforeDecoding() {
    // Without the frame check ImageIO allocates 676 MB for the frame plus a 2 GB BGR canvas.
    ImageDecodeException e = fails(TestImages.gifWithBigFrame(26000, 26000));
    assertThat(e.errorClass()).isEqualTo("ImageTooLarge");
    assertThat(e.getMessage()).as("names the frame, the screen and the setting")
        .contains("1x1").contains("26000x26000").contains("visionlake.decode.maxPixels");
  }

  @Test
  void tiffWhoseSecondPageIsTooLargeIsRejected() throws Exception {
    byte[] tiff = TestImages.multiPageTiff(10, 10, 40, 30);
    ImageDecoder strict = new ImageDecoder(DecodeOptions.builder().maxPixels(1000).build());
    ImageDecodeException e = catchThrowableOfType(() -> strict.decode(tiff, 0, 0),
        ImageDecodeException.class);
    assertThat(e.errorClass()).as("page 0 is 100 px, page 1 is 1200 px > 1000")
        .isEqualTo("ImageTooLarge");
    assertThat(e.getMessage()).contains("40x30");
    try (DecodedImage img = new ImageDecoder(DecodeOptions.builder().maxPixels(1200).build())
        .decode(tiff, 0, 0)) {
      assertBgr8(img, 10, 10);
    }
  }

  @Test
  void pixelLimitIsConfigurable() throws Exception {
    ImageDecoder strict = new ImageDecoder(DecodeOptions.builder().maxPixels(100).build());
    byte[] png = encode(".png", markerMat(11, 10, 2));
    ImageDecodeException e = catchThrowableOfType(() -> strict.decode(png, 0, 0),
        ImageDecodeException.class);
    assertThat(e.errorClass()).as("110 px > 100").isEqualTo("ImageTooLarge");
    try (DecodedImage img = new ImageDecoder(DecodeOptions.builder().maxPixels(110).build())
        .decode(png, 0, 0)) {
      assertBgr8(img, 11, 10);
    }
    assertThat(DecodeOptions.fromConfig(java.util.Map.of("visionlake.decode.maxPixels", "5_000"))
        .maxPixels()).isEqualTo(5000);
  }

  // ------------------------------------------------------------------ colour & formats

  @ParameterizedTest(name = "Adobe transform {0}")
  @ValueSource(ints = {0, 2})
  void cmykAndYcckJpegDecodeToRed(int transform) throws Exception {
    byte[] jpeg = TestImages.adobeCmykJpeg(32, transform);
    assertThat(ImageHeader.probe(jpeg)).isEqualTo(new ImageHeader("jpeg", 32, 32, 1));
    try (DecodedImage img = DECODER.decode(jpeg, 0, 0)) {
      assertBgr8(img, 32, 32);
      assertThat(isRedish(bgr(img.mat(), 16, 16)))
          .as("CMYK red patch comes out red, got BGR %s", java.util.Arrays.toString(
              bgr(img.mat(), 16, 16)))
          .isTrue();
    }
  }

  @Test
  void png16BitBecomes8Bit() throws Exception {
    Mat m16 = new Mat(8, 8, CvType.CV_16UC3, new Scalar(65535, 0, 32896));
    try (DecodedImage img = DECODER.decode(encode(".png", m16), 0, 0)) {
      assertBgr8(img, 8, 8);
      assertThat(bgr(img.mat(), 3, 3)).as("16-bit values scaled to 8-bit")
          .containsExactly(255, 0, 128);
    }
  }

  @Test
  void onePixelPng() throws Exception {
    Mat one = new Mat(1, 1, CvType.CV_8UC3, new Scalar(1, 2, 3));
    try (DecodedImage img = DECODER.decode(encode(".png", one), 224, 224)) {
      assertBgr8(img, 1, 1);
      assertThat(img.reduction()).as("never reduce below the requested minimum").isEqualTo(1);
      assertThat(bgr(img.mat(), 0, 0)).containsExactly(1, 2, 3);
    }
  }

  @Test
  void greyPngComesOutAsThreeEqualChannels() throws Exception {
    Mat grey = new Mat(10, 12, CvType.CV_8UC1, new Scalar(77));
    try (DecodedImage img = DECODER.decode(encode(".png", grey), 0, 0)) {
      assertBgr8(img, 12, 10);
      assertThat(bgr(img.mat(), 5, 5)).containsExactly(77, 77, 77);
    }
  }

  @Test
  void greyAlphaAndRgbaPngDropAlpha() throws Exception {
    BufferedImage ga = new BufferedImage(6, 6, BufferedImage.TYPE_INT_ARGB);
    ga.setRGB(0, 0, 0x80FF0000); // half-transparent red
    byte[] rgba = TestImages.imageIo(ga, "png");
    try (DecodedImage img = DECODER.decode(rgba, 0, 0)) {
      assertBgr8(img, 6, 6);
      assertThat(isRedish(bgr(img.mat(), 0, 0))).as("RGBA: colour kept, alpha dropped").isTrue();
    }
    // A genuine grey+alpha PNG (colour type 4) via a 2-band raster.
    java.awt.image.ComponentColorModel cm = new java.awt.image.ComponentColorModel(
        java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_GRAY), true, false,
        java.awt.Transparency.TRANSLUCENT, java.awt.image.DataBuffer.TYPE_BYTE);
    java.awt.image.WritableRaster r = cm.createCompatibleWritableRaster(5, 5);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 5; x++) {
        r.setPixel(x, y, new int[] {90, 200});
      }
    }
    byte[] gaPng = TestImages.imageIo(new BufferedImage(cm, r, false, null), "png");
    assertThat(gaPng[25]).as("fixture is PNG colour type 4 (grey+alpha)").isEqualTo((byte) 4);
    try (DecodedImage img = DECODER.decode(gaPng, 0, 0)) {
      assertBgr8(img, 5, 5);
      int[] px = bgr(img.mat(), 2, 2);
      assertThat(px[0]).as("grey, equal channels").isEqualTo(px[1]).isEqualTo(px[2]);
    }
  }

  @Test
  void palettePng() throws Exception {
    byte[] png = TestImages.imageIo(TestImages.palette(9, 0xFF0000), "png");
    assertThat(png[25]).as("fixture is PNG colour type 3 (palette)").isEqualTo((byte) 3);
    try (DecodedImage img = DECODER.decode(png, 0, 0)) {
      assertBgr8(img, 9, 9);
      assertThat(isRedish(bgr(img.mat(), 4, 4))).isTrue();
    }
  }

  @Test
  void animatedGifYieldsFirstFrame() throws Exception {
    byte[] gif = TestImages.animatedGif(20, 0xFF0000, 0x0000FF);
    Mat viaOpenCv = Imgcodecs.imdecode(new MatOfByte(gif), Imgcodecs.IMREAD_COLOR);
    assertThat(viaOpenCv.empty()).as("OpenCV 4.9 (openpnp) has no GIF codec; fallback needed")
        .isTrue();
    try (DecodedImage img = DECODER.decode(gif, 0, 0)) {
      assertBgr8(img, 20, 20);
      assertThat(img.header().format()).isEqualTo("gif");
      assertThat(isRedish(bgr(img.mat(), 10, 10))).as("frame 0 is red, frame 1 blue").isTrue();
    }
  }

  @Test
  void gifIsDownscaledWhenAllowed() throws Exception {
    byte[] gif = TestImages.animatedGif(100, 0xFF0000, 0x0000FF);
    try (DecodedImage img = DECODER.decode(gif, 20, 20)) {
      assertThat(img.reduction()).isEqualTo(4);
      assertBgr8(img, 25, 25);
    }
  }

  @Test
  void bmpBottomUpAndTopDown() throws Exception {
    BufferedImage src = TestImages.solid(30, 20, BufferedImage.TYPE_3BYTE_BGR, 0xFFFFFF);
    for (int x = 0; x < 5; x++) {
      src.setRGB(x, 0, 0xFF0000); // red stripe on the top row
    }
    byte[] bmp = TestImages.imageIo(src, "bmp");
    try (DecodedImage img = DECODER.decode(bmp, 0, 0)) {
      assertBgr8(img, 30, 20);
      assertThat(isRedish(bgr(img.mat(), 2, 0))).as("top row stays on top").isTrue();
    }
    // Same pixel rows, flagged top-down: the stripe row is stored first in the file, so the
    // bottom-up stored stripe (last row in the file) must now appear at the bottom.
    TestImages.putLe32(bmp, 22, -20);
    try (DecodedImage img = DECODER.decode(bmp, 0, 0)) {
      assertBgr8(img, 30, 20);
      assertThat(isRedish(bgr(img.mat(), 2, 19))).as("top-down BMP honoured").isTrue();
    }
  }

  @Test
  void progressiveJpeg() throws Exception {
    byte[] p = TestImages.progressiveJpeg(
        TestImages.solid(64, 40, BufferedImage.TYPE_3BYTE_BGR, 0xFF0000));
    assertThat(TestImages.indexOf(p, 0, 0xFF, 0xC2)).isPositive();
    try (DecodedImage img = DECODER.decode(p, 0, 0)) {
      assertBgr8(img, 64, 40);
      assertThat(isRedish(bgr(img.mat(), 30, 20))).isTrue();
    }
    try (DecodedImage img = DECODER.decode(p, 16, 10)) {
      assertThat(img.reduction()).as("DCT scaling works for progressive too").isEqualTo(4);
      assertBgr8(img, 16, 10);
    }
  }

  @Test
  void webpAndTiff() throws Exception {
    for (String ext : new String[] {".webp", ".tiff"}) {
      try (DecodedImage img = DECODER.decode(encode(ext, markerMat(40, 30, 10)), 0, 0)) {
        assertBgr8(img, 40, 30);
        assertThat(isRedish(bgr(img.mat(), 3, 3))).as("%s marker", ext).isTrue();
      }
    }
  }

  @Test
  void realWorldJpeg() throws Exception {
    byte[] fish = getClass().getResourceAsStream("/images/happyfish.jpg").readAllBytes();
    try (DecodedImage img = DECODER.decode(fish, 0, 0)) {
      Mat ref = Imgcodecs.imdecode(new MatOfByte(fish), Imgcodecs.IMREAD_COLOR);
      assertBgr8(img, ref.cols(), ref.rows());
      Mat diff = new Mat();
      org.opencv.core.Core.absdiff(img.mat(), ref, diff);
      assertThat(org.opencv.core.Core.sumElems(diff).val[0]).as("identical to plain imdecode")
          .isZero();
    }
  }

  // ------------------------------------------------------------------ EXIF orientation

  @Test
  void exifOrientation6RotatesClockwise() throws Exception {
    byte[] jpeg = TestImages.withExif(markerJpeg(400, 200), 6);
    try (DecodedImage img = DECODER.decode(jpeg, 0, 0)) {
      assertBgr8(img, 200, 400);
      assertThat(img.header()).isEqualTo(new ImageHeader("jpeg", 200, 400, 6));
      assertThat(isRedish(bgr(img.mat(), 195, 5)))
          .as("stored top-left marker ends top-right after 90 deg clockwise").isTrue();
      assertThat(isRedish(bgr(img.mat(), 5, 5))).isFalse();
    }
  }

  @ParameterizedTest(name = "orientation {0}")
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void orientationMatchesOpenCvForAllEightValuesAndReductions(int orientation) throws Exception {
    byte[] jpeg = TestImages.withExif(markerJpeg(160, 80), orientation);
    // Square minimums so the same reduction applies whether or not the orientation transposes.
    int[][] cases = {{0, 0, Imgcodecs.IMREAD_COLOR}, {40, 40, Imgcodecs.IMREAD_REDUCED_COLOR_2},
        {10, 10, Imgcodecs.IMREAD_REDUCED_COLOR_8}};
    for (int[] c : cases) {
      // OpenCV's own EXIF handling (no IGNORE_ORIENTATION flag) is the reference.
      Mat ref = Imgcodecs.imdecode(new MatOfByte(jpeg), c[2]);
      try (DecodedImage img = DECODER.decode(jpeg, c[0], c[1])) {
        assertBgr8(img, ref.cols(), ref.rows());
        Mat diff = new Mat();
        org.opencv.core.Core.absdiff(img.mat(), ref, diff);
        assertThat(org.opencv.core.Core.sumElems(diff).val[0])
            .as("orientation %d, flag %d: pixel-identical to OpenCV", orientation, c[2]).isZero();
      }
    }
  }

  // ------------------------------------------------------------------ reduced decode

  @Test
  void reducedJpegDecode() throws Exception {
    byte[] jpeg = markerJpeg(1600, 1200);
    try (DecodedImage img = DECODER.decode(jpeg, 224, 224)) {
      assertThat(img.reduction()).as("1/8 would be 200x150 < 224").isEqualTo(4);
      assertBgr8(img, 400, 300);
      assertThat(img.header()).as("header keeps original size")
          .isEqualTo(new ImageHeader("jpeg", 1600, 1200, 1));
      assertThat(isRedish(bgr(img.mat(), 10, 10))).isTrue();
    }
    try (DecodedImage img = DECODER.decode(jpeg, 0, 0)) {
      assertThat(img.reduction()).as("0,0 = full size").isEqualTo(1);
      assertBgr8(img, 1600, 1200);
    }
    try (DecodedImage img = DECODER.decode(jpeg, 1000, 0)) {
      assertThat(img.reduction()).isEqualTo(1);
    }
    try (DecodedImage img = DECODER.decode(jpeg, 200, 150)) {
      assertThat(img.reduction()).as("exactly 1/8 fits").isEqualTo(8);
      assertBgr8(img, 200, 150);
    }
  }

  @Test
  void reducedDecodeUsesDisplayedSize() throws Exception {
    byte[] jpeg = TestImages.withExif(markerJpeg(1600, 1200), 6);
    try (DecodedImage img = DECODER.decode(jpeg, 300, 400)) {
      assertThat(img.reduction()).isEqualTo(4);
      assertBgr8(img, 300, 400);
    }
  }

  @Test
  void reducedPngDecodeUsesAreaResize() throws Exception {
    try (DecodedImage img = DECODER.decode(encode(".png", markerMat(1001, 801, 400)), 100, 100)) {
      assertThat(img.reduction()).isEqualTo(8);
      assertBgr8(img, 126, 101);
      assertThat(img.header().width()).isEqualTo(1001);
    }
  }

  @Test
  void chooseReductionEdges() {
    assertThat(ImageDecoder.chooseReduction(100, 100, 0, 0)).isEqualTo(1);
    assertThat(ImageDecoder.chooseReduction(100, 100, 13, 0)).as("ceil(100/8)=13").isEqualTo(8);
    assertThat(ImageDecoder.chooseReduction(100, 100, 14, 0)).isEqualTo(4);
    assertThat(ImageDecoder.chooseReduction(100, 100, 101, 0)).isEqualTo(1);
  }

  // ------------------------------------------------------------------ lifecycle

  @Test
  void serializableAndThreadSafe() throws Exception {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bo)) {
      out.writeObject(new ImageDecoder(DecodeOptions.builder().maxPixels(12345).build()));
    }
    ImageDecoder copy = (ImageDecoder) new ObjectInputStream(
        new ByteArrayInputStream(bo.toByteArray())).readObject();
    assertThat(copy.options().maxPixels()).isEqualTo(12345);

    byte[] jpeg = markerJpeg(320, 240);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<int[]>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        int min = (i % 4) * 50;
        results.add(pool.submit(() -> {
          try (DecodedImage img = DECODER.decode(jpeg, min, min)) {
            return new int[] {img.width(), img.reduction()};
          }
        }));
      }
      for (int i = 0; i < results.size(); i++) {
        int[] r = results.get(i).get();
        assertThat(r[0] * r[1]).as("width x reduction ~ original width").isEqualTo(320);
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void closeReleasesMat() throws Exception {
    DecodedImage img = DECODER.decode(markerJpeg(32, 32), 0, 0);
    img.close();
    assertThat(img.mat().empty()).isTrue();
    img.close(); // idempotent
  }

  private static Mat noise(int w, int h) {
    Mat m = new Mat(h, w, CvType.CV_8UC3);
    org.opencv.core.Core.randu(m, 0, 255);
    return m;
  }
}

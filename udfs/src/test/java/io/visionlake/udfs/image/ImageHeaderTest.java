package io.visionlake.udfs.image;

import static io.visionlake.udfs.image.TestImages.encode;
import static io.visionlake.udfs.image.TestImages.markerJpeg;
import static io.visionlake.udfs.image.TestImages.markerMat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.visionlake.udfs.testing.UnitTest;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opencv.imgcodecs.Imgcodecs;

@UnitTest
class ImageHeaderTest {

  @BeforeAll
  static void loadOpenCv() {
    OpenCvLoader.ensureLoaded(); // only to generate fixtures; probe itself is pure Java
  }

  private static ImageDecodeException probeFails(byte[] bytes) {
    return catchThrowableOfType(() -> ImageHeader.probe(bytes), ImageDecodeException.class);
  }

  @Test
  void pngDimensionsFromIhdr() throws Exception {
    ImageHeader h = ImageHeader.probe(encode(".png", markerMat(37, 21, 5)));
    assertThat(h).as("IHDR width/height").isEqualTo(new ImageHeader("png", 37, 21, 1));
  }

  @Test
  void pngHeaderOfHugeImageNeedsNoPixels() throws Exception {
    ImageHeader h = ImageHeader.probe(TestImages.pngHeaderOnly(60000, 60000));
    assertThat(h.pixelCount()).as("long arithmetic, no int overflow").isEqualTo(3_600_000_000L);
  }

  @Test
  void jpegDimensionsFromSof() throws Exception {
    ImageHeader h = ImageHeader.probe(markerJpeg(321, 123));
    assertThat(h).as("SOF0 dims, no Exif").isEqualTo(new ImageHeader("jpeg", 321, 123, 1));
  }

  @Test
  void jpegSkipsDhtDacAndJpgMarkersThatLookLikeSof() throws Exception {
    // C4/C8/CC sit inside the SOF range; a parser that reads them as SOF reports garbage sizes.
    byte[] jpeg = markerJpeg(64, 48);
    for (int m : new int[] {0xC4, 0xC8, 0xCC}) {
      jpeg = TestImages.spliceAfterSoi(jpeg, new byte[] {(byte) 0xFF, (byte) m, 0, 7, 1, 2, 3, 4,
          5});
    }
    assertThat(ImageHeader.probe(jpeg)).as("first real SOF wins")
        .isEqualTo(new ImageHeader("jpeg", 64, 48, 1));
  }

  @Test
  void progressiveJpegUsesSof2() throws Exception {
    byte[] p = TestImages.progressiveJpeg(
        TestImages.solid(50, 30, BufferedImage.TYPE_3BYTE_BGR, 0x00FF00));
    assertThat(TestImages.indexOf(p, 0, 0xFF, 0xC2)).as("fixture really is progressive (SOF2)")
        .isPositive();
    assertThat(ImageHeader.probe(p)).isEqualTo(new ImageHeader("jpeg", 50, 30, 1));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void exifOrientationBothByteOrders(int orientation) throws Exception {
    byte[] jpeg = markerJpeg(200, 100);
    boolean transposed = orientation >= 5;
    for (boolean bigEndian : new boolean[] {true, false}) {
      ImageHeader h = ImageHeader.probe(
          TestImages.spliceAfterSoi(jpeg, TestImages.exifApp1(orientation, bigEndian)));
      assertThat(h.exifOrientation()).as("orientation, bigEndian=%s", bigEndian)
          .isEqualTo(orientation);
      assertThat(h.width()).as("displayed width swaps for 5..8").isEqualTo(transposed ? 100 : 200);
      assertThat(h.height()).isEqualTo(transposed ? 200 : 100);
    }
  }

  @Test
  void brokenExifIsIgnoredNotFatal() throws Exception {
    byte[] app1 = TestImages.exifApp1(6, true);
    app1[10] = 'X'; // destroy the TIFF byte-order mark (APP1 marker 2 + length 2 + "Exif\0\0" 6)
    ImageHeader h = ImageHeader.probe(TestImages.spliceAfterSoi(markerJpeg(20, 10), app1));
    assertThat(h.exifOrientation()).as("unparseable Exif falls back to 1").isEqualTo(1);
  }

  @Test
  void gifLogicalScreen() throws Exception {
    byte[] gif = TestImages.animatedGif(17, 0xFF0000, 0x0000FF);
    assertThat(ImageHeader.probe(gif)).isEqualTo(new ImageHeader("gif", 17, 17, 1));
  }

  @Test
  void gifFrameLargerThanItsScreenIsReported() throws Exception {
    byte[] bomb = TestImages.gifWithBigFrame(26000, 26000);
    assertThat(bomb).as("the reproduced 35-byte file").hasSize(35);
    ImageHeader h = ImageHeader.probe(bomb);
    assertThat(h).as("canvas stays the logical screen; the frame is what gets allocated")
        .isEqualTo(new ImageHeader("gif", 1, 1, 1, 26000, 26000));
    assertThat(h.largestPixelCount()).isEqualTo(676_000_000L);
  }

  @Test
  void tiffEveryPageIsMeasured() throws Exception {
    byte[] tiff = TestImages.multiPageTiff(10, 10, 40, 30, 12, 12);
    assertThat(ImageHeader.probe(tiff))
        .as("page 0 is what decoders return; page 1 (not the last one) is the largest")
        .isEqualTo(new ImageHeader("tiff", 10, 10, 1, 40, 30));
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 6, 8})
  void cameraExifOrientationComesFromIfd0NotTheThumbnail(int orientation) throws Exception {
    ImageHeader h = ImageHeader.probe(
        TestImages.spliceAfterSoi(markerJpeg(200, 100), TestImages.cameraExifApp1(orientation)));
    assertThat(h.exifOrientation()).as("IFD1 (thumbnail) says 1").isEqualTo(orientation);
    assertThat(h.width()).isEqualTo(orientation >= 5 ? 100 : 200);
  }

  @Test
  void bmpBottomUpAndTopDown() throws Exception {
    byte[] bmp = TestImages.imageIo(
        TestImages.solid(30, 20, BufferedImage.TYPE_3BYTE_BGR, 0x123456), "bmp");
    assertThat(ImageHeader.probe(bmp)).isEqualTo(new ImageHeader("bmp", 30, 20, 1));
    TestImages.putLe32(bmp, 22, -20);
    assertThat(ImageHeader.probe(bmp)).as("negative height = top-down, size is |h|")
        .isEqualTo(new ImageHeader("bmp", 30, 20, 1));
  }

  @Test
  void webpLossyLosslessAndExtended() throws Exception {
    byte[] lossy = encode(".webp", markerMat(45, 27, 5), Imgcodecs.IMWRITE_WEBP_QUALITY, 80);
    byte[] lossless = encode(".webp", markerMat(45, 27, 5), Imgcodecs.IMWRITE_WEBP_QUALITY, 101);
    assertThat(new String(lossy, 12, 4, StandardCharsets.US_ASCII)).isEqualTo("VP8 ");
    assertThat(new String(lossless, 12, 4, StandardCharsets.US_ASCII)).isEqualTo("VP8L");
    assertThat(ImageHeader.probe(lossy)).as("VP8").isEqualTo(new ImageHeader("webp", 45, 27, 1));
    assertThat(ImageHeader.probe(lossless)).as("VP8L")
        .isEqualTo(new ImageHeader("webp", 45, 27, 1));
    byte[] vp8x = new byte[30];
    System.arraycopy("RIFF\0\0\0\0WEBPVP8X".getBytes(StandardCharsets.US_ASCII), 0, vp8x, 0, 16);
    TestImages.putLe32(vp8x, 4, 22); // RIFF payload: "WEBP" + chunk header 8 + VP8X payload 10
    TestImages.putLe32(vp8x, 16, 10); // VP8X payload size
    vp8x[24] = (byte) 0xFF; // canvas width-1 = 0x0003FF -> 1024
    vp8x[25] = 3;
    vp8x[27] = (byte) 0xFF; // canvas height-1 = 0x0001FF -> 512
    vp8x[28] = 1;
    assertThat(ImageHeader.probe(vp8x)).as("VP8X canvas size, 24-bit minus-one fields")
        .isEqualTo(new ImageHeader("webp", 1024, 512, 1));
  }

  @Test
  void tiffFromIfd0() throws Exception {
    assertThat(ImageHeader.probe(encode(".tiff", markerMat(33, 44, 5))))
        .isEqualTo(new ImageHeader("tiff", 33, 44, 1));
  }

  @Test
  void realWorldJpeg() throws Exception {
    byte[] fish = getClass().getResourceAsStream("/images/happyfish.jpg").readAllBytes();
    ImageHeader h = ImageHeader.probe(fish);
    assertThat(h.format()).isEqualTo("jpeg");
    assertThat(h.width()).as("same as OpenCV's decode")
        .isEqualTo(Imgcodecs.imdecode(new org.opencv.core.MatOfByte(fish), 1).cols());
  }

  @Test
  void emptyAndNull() {
    assertThat(probeFails(new byte[0]).errorClass()).isEqualTo("EmptyFile");
    assertThat(probeFails(null).errorClass()).isEqualTo("EmptyFile");
  }

  @Test
  void textFileNamesItsFirstBytes() {
    ImageDecodeException e = probeFails(
        "<!DOCTYPE html><html>404 Not Found".getBytes(StandardCharsets.US_ASCII));
    assertThat(e.errorClass()).isEqualTo("UnsupportedFormat");
    assertThat(e.getMessage()).as("message shows hex and ASCII so the HTML is obvious")
        .contains("3c 21 44 4f").contains("<!DOCTYPE h");
  }

  @Test
  void cutHeadersAreTruncated() throws Exception {
    byte[] png = encode(".png", markerMat(10, 10, 2));
    assertThat(probeFails(TestImages.cut(png, 20)).errorClass()).as("PNG cut inside IHDR")
        .isEqualTo("Truncated");
    assertThat(probeFails(TestImages.cut(png, 4)).errorClass()).as("PNG cut inside the magic")
        .isEqualTo("Truncated");
    byte[] jpeg = markerJpeg(10, 10);
    int sof = TestImages.indexOf(jpeg, 2, 0xFF, 0xC0);
    assertThat(probeFails(TestImages.cut(jpeg, sof + 3)).errorClass()).as("JPEG cut inside SOF")
        .isEqualTo("Truncated");
    assertThat(probeFails(new byte[] {'G', 'I', 'F', '8', '9', 'a', 1}).errorClass())
        .isEqualTo("Truncated");
  }

  @Test
  void zeroDimensionsAreCorrupt() {
    assertThat(probeFails(TestImages.pngHeaderOnly(0, 10)).errorClass()).isEqualTo("CorruptImage");
  }
}

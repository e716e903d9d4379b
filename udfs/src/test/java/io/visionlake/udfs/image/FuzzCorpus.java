package io.visionlake.udfs.image;

import io.visionlake.udfs.TestPaths;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Damaged images of every supported format, generated from real and encoded seeds with a caller's
 * {@link Random} so a failing case replays: the decoder's fuzz test runs them all, the batch job's
 * fuzz test a sample of them as files.
 */
public final class FuzzCorpus {
  /** The formats the seeds cover, as the keys of {@link #seeds()}. */
  public static final List<String> FORMATS = List.of("bmp", "gif", "jpeg", "png", "tiff", "webp");

  private FuzzCorpus() {}

  /** Format → undamaged seed images of it (real photos and PNGs from data/samples, plus encoded ones). */
  public static Map<String, List<byte[]>> seeds() {
    OpenCvLoader.ensureLoaded(); // the WebP and BMP seeds are written by OpenCV
    Map<String, List<byte[]>> seeds = new TreeMap<>();
    try {
      for (String photo : List.of("dog.jpg", "baboon.jpg", "scream.jpg")) {
        seeds.computeIfAbsent("jpeg", k -> new ArrayList<>()).add(Files.readAllBytes(TestPaths.required("data/samples/photos/" + photo)));
      }
      for (String png : List.of("test-00000.png", "test-00001.png", "test-00002.png")) {
        seeds.computeIfAbsent("png", k -> new ArrayList<>()).add(Files.readAllBytes(TestPaths.required("data/samples/fashion/" + png)));
      }
      BufferedImage rgb = TestImages.solid(48, 32, BufferedImage.TYPE_INT_RGB, 0x3366CC);
      seeds.computeIfAbsent("png", k -> new ArrayList<>()).add(TestImages.imageIo(rgb, "png"));
      seeds.computeIfAbsent("jpeg", k -> new ArrayList<>()).add(TestImages.progressiveJpeg(rgb));
      seeds.put("gif", List.of(TestImages.imageIo(TestImages.palette(40, 0xCC0000), "gif"), TestImages.animatedGif(24, 0x00FF00, 0x0000FF)));
      seeds.put("bmp", List.of(TestImages.imageIo(rgb, "bmp"), TestImages.encode(".bmp", TestImages.markerMat(33, 17, 5))));
      seeds.put("webp", List.of(TestImages.encode(".webp", TestImages.markerMat(64, 48, 9)),
          TestImages.encode(".webp", TestImages.markerMat(40, 30, 5), org.opencv.imgcodecs.Imgcodecs.IMWRITE_WEBP_QUALITY, 101)));
      seeds.put("tiff", List.of(TestImages.multiPageTiff(30, 20, 60, 40), TestImages.imageIo(rgb, "tiff")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return seeds;
  }

  /** Per seed: 60 truncations (24 in the header), 40 header mutations, 40 bit flips anywhere. */
  public static List<byte[]> damaged(byte[] seed, Random random) {
    List<byte[]> cases = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      cases.add(Arrays.copyOf(seed, Math.min(seed.length - 1, i * 3)));
    }
    for (int i = 0; i < 36; i++) {
      cases.add(Arrays.copyOf(seed, 1 + random.nextInt(seed.length - 1)));
    }
    for (int i = 0; i < 40; i++) {
      byte[] b = seed.clone();
      int header = Math.min(b.length, 256);
      for (int k = 1 + random.nextInt(4); k > 0; k--) {
        int at = random.nextInt(header);
        // Extremes are what break size fields: 0x00, 0xFF, 0x7F, or any byte.
        int[] picks = {0x00, 0xFF, 0x7F, 0x80, random.nextInt(256)};
        b[at] = (byte) picks[random.nextInt(picks.length)];
      }
      cases.add(b);
    }
    for (int i = 0; i < 40; i++) {
      byte[] b = seed.clone();
      for (int k = 1 + random.nextInt(16); k > 0; k--) {
        b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
      }
      cases.add(random.nextBoolean() ? b : Arrays.copyOf(b, 1 + random.nextInt(b.length)));
    }
    return cases;
  }

  /**
   * Headers that lie about the size (decompression bombs): a PNG claiming 60000x60000 and one
   * claiming 2^31-1 square, a GIF whose frame is 65535 square. The decoder must refuse them from the
   * header instead of allocating the canvas.
   */
  public static Map<String, byte[]> bombs() {
    Map<String, byte[]> bombs = new TreeMap<>();
    bombs.put("png-60000", TestImages.pngHeaderOnly(60000, 60000));
    bombs.put("png-maxint", TestImages.pngHeaderOnly(Integer.MAX_VALUE, Integer.MAX_VALUE));
    bombs.put("gif-65535", TestImages.gifWithBigFrame(65535, 65535));
    return bombs;
  }
}

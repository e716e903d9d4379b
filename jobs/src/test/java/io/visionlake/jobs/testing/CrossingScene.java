package io.visionlake.jobs.testing;

import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.analyze.ObjectsAnalyzer;
import io.visionlake.udfs.analyze.objects.Detection;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * A camera sequence with known truth, rendered from real photos: person A, cut from darknet's
 * {@code person.jpg}, walks left to right across the lower half of a real background (the top of
 * opencv-doc's {@code building.jpg}, where the detector finds nothing), and person B (the same
 * person mirrored and smaller, farther away) walks right to left across the upper half. Both cross
 * the vertical line {@link #LINE} once, between frames 11 and 12; A spends a known time in the zone
 * {@link #ZONE} (the left third).
 *
 * <p>The crop is the detector's own box on the source photo, pasted at another place and scale.
 * Out of its context the detector scores it lower (A 0.36-0.58, B 0.21-0.54, a few frames missed):
 * a realistic flickering detection for the tracker. (Cars and horses cut from the darknet photos
 * score 0.2-0.48 there and flip between car, truck and bus, so the second walker is a person.)
 */
public final class CrossingScene {
  public static final int WIDTH = 868;
  public static final int HEIGHT = 440;
  public static final int FRAMES = 24;
  public static final long FRAME_MILLIS = 500;
  /** The counting line, x = 434 from top to bottom: s > 0 left of it, so left-to-right is "out". */
  public static final String LINE = "434,0,434,440";
  /** The left third of the frame. */
  public static final String ZONE = "0,0,290,0,290,440,0,440";

  private CrossingScene() {}

  /** Person A's anchor (bottom centre) x in frame {@code i}: 60 -> 800 px. */
  public static int personX(int i) {
    return 60 + i * 740 / (FRAMES - 1);
  }

  /** Person B's anchor x in frame {@code i}: 800 -> 70 px. */
  public static int walkerBX(int i) {
    return 800 - i * 730 / (FRAMES - 1);
  }

  /** The frames where person A's anchor is inside {@link #ZONE} (x < 290), from frame 0 on. */
  public static int framesInZone() {
    int n = 0;
    for (int i = 0; i < FRAMES; i++) {
      n += personX(i) < 290 ? 1 : 0;
    }
    return n;
  }

  /**
   * Writes frames {@code from..to-1} of the sequence as JPEGs under {@code root/camera=<camera>},
   * named by capture time from {@code start}, {@link #FRAME_MILLIS} apart.
   */
  public static void land(Path root, String camera, Instant start, int from, int to) throws IOException, io.visionlake.udfs.image.ImageDecodeException {
    Path dir = Files.createDirectories(root.resolve("camera=" + camera));
    Mat background = crop("building.jpg", new Rect(0, 0, WIDTH, HEIGHT));
    Mat person = scaled(objectCrop("person.jpg", "person"), 200);
    Mat walkerB = scaled(objectCrop("person.jpg", "person"), 180);
    org.opencv.core.Core.flip(walkerB, walkerB, 1);
    try {
      for (int i = from; i < to; i++) {
        Mat frame = background.clone();
        paste(frame, walkerB, walkerBX(i) - walkerB.cols() / 2, 215 - walkerB.rows());
        paste(frame, person, personX(i) - person.cols() / 2, 420 - person.rows());
        MatOfByte jpeg = new MatOfByte();
        Imgcodecs.imencode(".jpg", frame, jpeg, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 92));
        Files.write(dir.resolve(CameraFrames.NAME.format(start.plusMillis(FRAME_MILLIS * i)) + ".jpg"), jpeg.toArray());
        frame.release();
        jpeg.release();
      }
    } finally {
      background.release();
      person.release();
      walkerB.release();
    }
  }

  private static Mat decode(String photo) throws IOException, io.visionlake.udfs.image.ImageDecodeException {
    DecodedImage image = new ImageDecoder().decode(Files.readAllBytes(TestPaths.required("data/samples/photos/" + photo)));
    return image.mat();
  }

  private static Mat crop(String photo, Rect r) throws IOException, io.visionlake.udfs.image.ImageDecodeException {
    Mat m = decode(photo);
    Mat out = new Mat(m, r).clone();
    m.release();
    return out;
  }

  /** The best box of {@code label} the detector finds in {@code photo}, cut out. */
  private static Mat objectCrop(String photo, String label) throws IOException, io.visionlake.udfs.image.ImageDecodeException {
    Mat m = decode(photo);
    try {
      Detection d = new ObjectsAnalyzer(Map.of("classes", label)).detect(m, 1).stream().findFirst()
          .orElseThrow(() -> new IllegalStateException("no " + label + " found in " + photo));
      Rect r = new Rect(Math.max(0, d.x()), Math.max(0, d.y()), Math.min(d.w(), m.cols() - Math.max(0, d.x())),
          Math.min(d.h(), m.rows() - Math.max(0, d.y())));
      return new Mat(m, r).clone();
    } finally {
      m.release();
    }
  }

  private static Mat scaled(Mat m, int height) {
    Mat out = new Mat();
    Imgproc.resize(m, out, new Size(Math.round((double) m.cols() * height / m.rows()), height), 0, 0, Imgproc.INTER_AREA);
    m.release();
    return out;
  }

  private static Mat scaledToWidth(Mat m, int width) {
    Mat out = new Mat();
    Imgproc.resize(m, out, new Size(width, Math.round((double) m.rows() * width / m.cols())), 0, 0, Imgproc.INTER_AREA);
    m.release();
    return out;
  }

  /** Copies {@code src} onto {@code dst} at (x, y), clipped to {@code dst}. */
  private static void paste(Mat dst, Mat src, int x, int y) {
    int x0 = Math.max(0, x);
    int y0 = Math.max(0, y);
    int x1 = Math.min(dst.cols(), x + src.cols());
    int y1 = Math.min(dst.rows(), y + src.rows());
    if (x1 <= x0 || y1 <= y0) {
      return;
    }
    Mat from = new Mat(src, new Rect(x0 - x, y0 - y, x1 - x0, y1 - y0));
    from.copyTo(new Mat(dst, new Rect(x0, y0, x1 - x0, y1 - y0)));
  }
}

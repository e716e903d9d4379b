package io.visionlake.udfs.analyze;

import io.visionlake.udfs.analyze.faces.FaceBoxes;
import io.visionlake.udfs.image.OpenCvLoader;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.types.StructField;
import org.opencv.core.Mat;
import org.opencv.core.MatOfInt;
import org.opencv.core.MatOfRect;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.objdetect.CascadeClassifier;

/**
 * {@code faces-haar}: the fallback face detector, a Haar cascade (Viola-Jones), by default Debian
 * opencv-data's {@code haarcascade_frontalface_default.xml}, on the equalised grey image. Under its
 * own name it writes the columns of {@code faces} ({@link FacesAnalyzer}, face-api.js's networks),
 * {@code faces} (int) and {@code face_boxes} of the same type ({@link FaceBoxes#TYPE}) with null
 * landmarks and descriptors, so it is a drop-in replacement where TensorFlow's natives cannot run;
 * a box's score is the number of neighbouring raw detections that support it. Frontal faces only,
 * and more false boxes than face-api's detector.
 *
 * <p>Options ({@code spark.visionlake.analyzer.faces-haar.*}): {@code cascade} (path on every
 * executor), {@code scaleFactor} (1.1), {@code minNeighbors} (5), {@code minSize} (pixels of the
 * decoded image, 24).
 */
public final class HaarFacesAnalyzer extends NamedAnalyzer {
  public static final String NAME = "faces-haar";
  public static final String DEFAULT_CASCADE = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

  private final String cascade;
  private final double scaleFactor;
  private final int minNeighbors;
  private final int minSize;

  public HaarFacesAnalyzer(String name, Map<String, String> options) {
    super(name);
    this.cascade = options.getOrDefault("cascade", DEFAULT_CASCADE);
    this.scaleFactor = Boxes.option(options, name, "scaleFactor", 1.1);
    this.minNeighbors = (int) Boxes.option(options, name, "minNeighbors", 5);
    this.minSize = (int) Boxes.option(options, name, "minSize", 24);
    if (scaleFactor <= 1.0) {
      throw new IllegalArgumentException("Analyser " + name + ": scaleFactor must be > 1, got " + scaleFactor);
    }
  }

  public HaarFacesAnalyzer(Map<String, String> options) {
    this(NAME, options);
  }

  @Override
  public String version() {
    return String.format(Locale.ROOT, "haar-%s(scale=%s,neighbors=%d)", Paths.get(cascade).getFileName(), scaleFactor, minNeighbors);
  }

  @Override
  public List<StructField> fields() {
    // Under its own name its columns are faces' (a drop-in fallback); under an alias, the alias's.
    return FacesAnalyzer.columns(NAME.equals(name) ? FacesAnalyzer.NAME : name);
  }

  @Override
  public List<Object[]> analyze(List<Mat> images, int[] reductions) {
    List<Object[]> out = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      List<Boxes.Box> boxes = detect(images.get(i), reductions[i]);
      out.add(new Object[] {boxes.size(), FaceBoxes.fromBoxes(boxes)});
    }
    return out;
  }

  public List<Boxes.Box> detect(Mat bgr, int reduction) {
    CascadeClassifier classifier = AnalyzerCache.get("haar:" + cascade, () -> {
      OpenCvLoader.ensureLoaded();
      if (!Files.isRegularFile(Paths.get(cascade))) {
        throw new IllegalArgumentException("Haar cascade " + cascade + " not found on this executor: install Debian opencv-data or set "
            + Analyzers.PREFIX + name + ".cascade");
      }
      CascadeClassifier c = new CascadeClassifier(cascade);
      if (c.empty()) {
        throw new IllegalArgumentException("Haar cascade " + cascade + " could not be loaded");
      }
      return c;
    });
    Mat grey = new Mat();
    MatOfRect found = new MatOfRect();
    MatOfInt neighbours = new MatOfInt();
    try {
      Imgproc.cvtColor(bgr, grey, Imgproc.COLOR_BGR2GRAY);
      Imgproc.equalizeHist(grey, grey);
      classifier.detectMultiScale2(grey, found, neighbours, scaleFactor, minNeighbors, 0, new Size(minSize, minSize), new Size());
      Rect[] rects = found.toArray();
      if (rects.length == 0) {
        return List.of();
      }
      int[] n = neighbours.total() == rects.length ? neighbours.toArray() : new int[rects.length];
      List<Boxes.Box> boxes = new ArrayList<>();
      for (int j = 0; j < rects.length; j++) {
        boxes.add(new Boxes.Box(rects[j].x, rects[j].y, rects[j].width, rects[j].height, n[j]));
      }
      boxes.sort((a, b) -> Float.compare(b.score, a.score));
      return Boxes.scale(boxes, reduction);
    } finally {
      grey.release();
      found.release();
      neighbours.release();
    }
  }
}

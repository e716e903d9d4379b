package io.visionlake.udfs.analyze;

import io.visionlake.udfs.image.OpenCvLoader;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.opencv.core.Mat;
import org.opencv.core.MatOfInt;
import org.opencv.core.MatOfRect;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.objdetect.CascadeClassifier;

/**
 * {@code faces}: a Haar cascade (Viola-Jones), by default Debian opencv-data's {@code
 * haarcascade_frontalface_default.xml}, on the equalised grey image. Adds {@code faces} (int) and
 * {@code face_boxes}; a box's score is the number of neighbouring raw detections that support it.
 *
 * <p>Options ({@code spark.visionlake.analyzer.faces.*}): {@code cascade} (path on every
 * executor), {@code scaleFactor} (1.1), {@code minNeighbors} (5), {@code minSize} (pixels of the
 * decoded image, 24).
 */
public final class FacesAnalyzer extends NamedAnalyzer {
  public static final String NAME = "faces";
  public static final String DEFAULT_CASCADE = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

  private final String cascade;
  private final double scaleFactor;
  private final int minNeighbors;
  private final int minSize;

  public FacesAnalyzer(String name, Map<String, String> options) {
    super(name);
    this.cascade = options.getOrDefault("cascade", DEFAULT_CASCADE);
    this.scaleFactor = Boxes.option(options, name, "scaleFactor", 1.1);
    this.minNeighbors = (int) Boxes.option(options, name, "minNeighbors", 5);
    this.minSize = (int) Boxes.option(options, name, "minSize", 24);
    if (scaleFactor <= 1.0) {
      throw new IllegalArgumentException("Analyser " + name + ": scaleFactor must be > 1, got " + scaleFactor);
    }
  }

  public FacesAnalyzer(Map<String, String> options) {
    this(NAME, options);
  }

  @Override
  public String version() {
    return String.format(Locale.ROOT, "haar-%s(scale=%s,neighbors=%d)", Paths.get(cascade).getFileName(), scaleFactor, minNeighbors);
  }

  @Override
  public List<StructField> fields() {
    String singular = name.endsWith("s") ? name.substring(0, name.length() - 1) : name;
    return List.of(DataTypes.createStructField(name, DataTypes.IntegerType, true),
        DataTypes.createStructField(singular + "_boxes", Boxes.TYPE, true));
  }

  @Override
  public List<Object[]> analyze(List<Mat> images, int[] reductions) {
    return Boxes.countsAndBoxes(images, reductions, this::detect);
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

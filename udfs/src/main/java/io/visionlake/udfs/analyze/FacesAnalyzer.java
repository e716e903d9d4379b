package io.visionlake.udfs.analyze;

import io.visionlake.udfs.analyze.faces.Face;
import io.visionlake.udfs.analyze.faces.FaceApi;
import io.visionlake.udfs.analyze.faces.FaceBoxes;
import io.visionlake.udfs.analyze.faces.RgbImage;
import io.visionlake.udfs.model.EngineThreads;
import io.visionlake.udfs.model.ModelCatalog;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.opencv.core.Mat;

/**
 * {@code faces}: face-api.js's networks (npm {@code @vladmandic/face-api@1.7.15}, MIT; weights
 * fetched by scripts/setup into {@code models/face-api}) on TensorFlow Java ({@link FaceApi}): the
 * SSD MobileNetV1 face detector, 68 landmarks per face and the 128-float descriptor of the aligned
 * face (dlib's ResNet), as face-api's {@code detectAllFaces().withFaceLandmarks()
 * .withFaceDescriptors()} computes them. Adds {@code faces} (int) and {@code face_boxes} ({@link
 * FaceBoxes#TYPE}: box, score, landmarks, descriptor in original-image pixels, best first). The
 * networks are built once per executor JVM; all images of a batch share one detector run and their
 * faces share the landmark and descriptor runs. The Haar cascade stays selectable as {@code
 * faces-haar} ({@link HaarFacesAnalyzer}), with the same columns.
 *
 * <p>Options ({@code spark.visionlake.analyzer.faces.*}): {@code minConfidence} (detector score,
 * 0.5 as face-api), {@code maxFaces} (per image, 100 as face-api's maxResults), {@code minSize}
 * (faces whose box is smaller than this many original-image pixels on either side are dropped, 0),
 * {@code descriptors} (false: landmarks only, skipping the recognition net), {@code modelDir}
 * (default {@code <home>/models/face-api}), {@code threads} (TensorFlow intra-op threads, 0 =
 * spark.task.cpus).
 */
public final class FacesAnalyzer extends NamedAnalyzer {
  public static final String NAME = "faces";
  /** The npm package the weights and the pipeline come from. */
  public static final String FACE_API = "face-api-1.7.15";

  private final Path modelDir;
  private final float minConfidence;
  private final int maxFaces;
  private final int minSize;
  private final boolean descriptors;
  private final int threads;

  public FacesAnalyzer(String name, Map<String, String> options) {
    super(name);
    String home = options.get(Analyzers.HOME_OPTION);
    Path homeDir = home != null ? Paths.get(home) : ModelCatalog.fromEnvironment().home();
    String dir = options.get("modelDir");
    this.modelDir = dir != null && !dir.isBlank() ? homeDir.resolve(dir.trim()) : homeDir.resolve("models").resolve("face-api");
    this.minConfidence = (float) Boxes.option(options, name, "minConfidence", 0.5);
    this.maxFaces = (int) Boxes.option(options, name, "maxFaces", 100);
    this.minSize = (int) Boxes.option(options, name, "minSize", 0);
    this.threads = (int) Boxes.option(options, name, "threads", 0);
    String d = options.getOrDefault("descriptors", "true").trim().toLowerCase(Locale.ROOT);
    if (!d.equals("true") && !d.equals("false")) {
      throw new IllegalArgumentException("Setting " + Analyzers.PREFIX + name + ".descriptors must be true or false, got '" + d + "'");
    }
    this.descriptors = d.equals("true");
    if (minConfidence <= 0 || minConfidence >= 1) {
      throw new IllegalArgumentException("Setting " + Analyzers.PREFIX + name + ".minConfidence must be between 0 and 1 (exclusive), got " + minConfidence);
    }
    if (maxFaces < 1 || minSize < 0) {
      throw new IllegalArgumentException("Analyser " + name + ": need maxFaces >= 1 and minSize >= 0 (got " + maxFaces + ", " + minSize + ")");
    }
  }

  public FacesAnalyzer(Map<String, String> options) {
    this(NAME, options);
  }

  @Override
  public String version() {
    return String.format(Locale.ROOT, "%s-ssd_mobilenetv1+landmark68%s(minConfidence=%s,max=%d%s)", FACE_API,
        descriptors ? "+recognition" : "", minConfidence, maxFaces, minSize > 0 ? ",minSize=" + minSize : "");
  }

  @Override
  public List<StructField> fields() {
    return columns(name);
  }

  /** The (count, boxes) columns of a face analyser registered as {@code name}: {@code faces}, {@code face_boxes}. */
  static List<StructField> columns(String name) {
    String singular = name.endsWith("s") ? name.substring(0, name.length() - 1) : name;
    return List.of(DataTypes.createStructField(name, DataTypes.IntegerType, true),
        DataTypes.createStructField(singular + "_boxes", FaceBoxes.TYPE, true));
  }

  @Override
  public List<Object[]> analyze(List<Mat> images, int[] reductions) {
    List<List<Face>> found = detect(images, reductions);
    List<Object[]> out = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      out.add(new Object[] {found.get(i).size(), FaceBoxes.toRows(found.get(i), reductions[i])});
    }
    return out;
  }

  /** The kept faces of each image (decoded pixels; {@code reductions} as in {@link #analyze}), best first. */
  public List<List<Face>> detect(List<Mat> images, int[] reductions) {
    List<RgbImage> rgb = new ArrayList<>(images.size());
    images.forEach(m -> rgb.add(RgbImage.fromBgr(m)));
    List<List<Face>> all = api().detectAll(rgb, minConfidence, maxFaces, descriptors);
    if (minSize == 0) {
      return all;
    }
    List<List<Face>> kept = new ArrayList<>(all.size());
    for (int i = 0; i < all.size(); i++) {
      int r = reductions[i];
      kept.add(all.get(i).stream().filter(f -> Math.min(f.width(), f.height()) * r >= minSize).toList());
    }
    return kept;
  }

  private FaceApi api() {
    int n = EngineThreads.resolve(threads, null);
    return AnalyzerCache.shared("face-api:" + modelDir + ":threads=" + n, () -> FaceApi.load(modelDir, n));
  }
}

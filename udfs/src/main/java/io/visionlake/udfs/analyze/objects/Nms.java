package io.visionlake.udfs.analyze.objects;

import java.util.ArrayList;
import java.util.List;

/**
 * Greedy non-maximum suppression with TensorFlow.js's semantics ({@code tf.image.nonMaxSuppression},
 * hard NMS): candidates strictly above {@code scoreThreshold} in descending score order (ties keep
 * index order, as tfjs's stable priority queue does), a candidate dropped when its IoU with a kept
 * box is strictly above {@code iouThreshold}, at most {@code maxOutput} kept.
 */
public final class Nms {
  private Nms() {}

  /** {@code boxes} holds 4 corner coordinates per box (any consistent corner order); returns kept indexes. */
  public static List<Integer> select(float[] boxes, float[] scores, int maxOutput, float iouThreshold, float scoreThreshold) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < scores.length; i++) {
      if (scores[i] > scoreThreshold) {
        order.add(i);
      }
    }
    order.sort((a, b) -> Float.compare(scores[b], scores[a]));
    List<Integer> kept = new ArrayList<>();
    for (int i : order) {
      if (kept.size() >= maxOutput) {
        break;
      }
      boolean suppressed = false;
      for (int k : kept) {
        if (iou(boxes, i, k) > iouThreshold) {
          suppressed = true;
          break;
        }
      }
      if (!suppressed) {
        kept.add(i);
      }
    }
    return kept;
  }

  static float iou(float[] b, int i, int j) {
    float yMinI = Math.min(b[4 * i], b[4 * i + 2]);
    float xMinI = Math.min(b[4 * i + 1], b[4 * i + 3]);
    float yMaxI = Math.max(b[4 * i], b[4 * i + 2]);
    float xMaxI = Math.max(b[4 * i + 1], b[4 * i + 3]);
    float yMinJ = Math.min(b[4 * j], b[4 * j + 2]);
    float xMinJ = Math.min(b[4 * j + 1], b[4 * j + 3]);
    float yMaxJ = Math.max(b[4 * j], b[4 * j + 2]);
    float xMaxJ = Math.max(b[4 * j + 1], b[4 * j + 3]);
    float areaI = (yMaxI - yMinI) * (xMaxI - xMinI);
    float areaJ = (yMaxJ - yMinJ) * (xMaxJ - xMinJ);
    if (areaI <= 0 || areaJ <= 0) {
      return 0f;
    }
    float ih = Math.max(Math.min(yMaxI, yMaxJ) - Math.max(yMinI, yMinJ), 0f);
    float iw = Math.max(Math.min(xMaxI, xMaxJ) - Math.max(xMinI, xMinJ), 0f);
    float inter = ih * iw;
    return inter / (areaI + areaJ - inter);
  }
}

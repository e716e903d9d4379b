package io.visionlake.udfs.analyze.objects;

import java.util.ArrayList;
import java.util.List;

/**
 * Greedy non-maximum suppression with TensorFlow.js's semantics ({@code tf.image.nonMaxSuppression},
 * hard NMS): candidates strictly above {@code scoreThreshold} in descending score order (ties keep
 * index order, as tfjs's stable priority queue does), a candidate dropped when its IoU with a kept
 * box is at or above {@code iouThreshold} (tfjs's {@code iou >= iouThreshold}), at most {@code
 * maxOutput} kept. The IoU is computed in double precision from the float coordinates, as tfjs's
 * JavaScript does from its Float32Array, so boxes at the threshold go the same way.
 */
public final class Nms {
  private Nms() {}

  /** {@code boxes} holds 4 corner coordinates per box (any consistent corner order); returns kept indexes. */
  public static List<Integer> select(float[] boxes, float[] scores, int maxOutput, float iouThreshold, float scoreThreshold) {
    // tfjs compares float32 scores and IoUs with JavaScript numbers: the float settings stand for
    // the decimals the user wrote (0.2f as 0.2), so a score of exactly 0.2f is above 0.2 there too.
    double minScore = Double.parseDouble(Float.toString(scoreThreshold));
    double maxIou = Double.parseDouble(Float.toString(iouThreshold));
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < scores.length; i++) {
      if (scores[i] > minScore) {
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
        if (iou(boxes, i, k) >= maxIou) {
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

  /** IoU of boxes {@code i} and {@code j} (4 corners each, any consistent order); 0 when either is empty. */
  public static double iou(float[] b, int i, int j) {
    double yMinI = Math.min(b[4 * i], b[4 * i + 2]);
    double xMinI = Math.min(b[4 * i + 1], b[4 * i + 3]);
    double yMaxI = Math.max(b[4 * i], b[4 * i + 2]);
    double xMaxI = Math.max(b[4 * i + 1], b[4 * i + 3]);
    double yMinJ = Math.min(b[4 * j], b[4 * j + 2]);
    double xMinJ = Math.min(b[4 * j + 1], b[4 * j + 3]);
    double yMaxJ = Math.max(b[4 * j], b[4 * j + 2]);
    double xMaxJ = Math.max(b[4 * j + 1], b[4 * j + 3]);
    double areaI = (yMaxI - yMinI) * (xMaxI - xMinI);
    double areaJ = (yMaxJ - yMinJ) * (xMaxJ - xMinJ);
    if (areaI <= 0 || areaJ <= 0) {
      return 0;
    }
    double ih = Math.max(Math.min(yMaxI, yMaxJ) - Math.max(yMinI, yMinJ), 0);
    double iw = Math.max(Math.min(xMaxI, xMaxJ) - Math.max(xMinI, xMinJ), 0);
    double inter = ih * iw;
    return inter / (areaI + areaJ - inter);
  }
}

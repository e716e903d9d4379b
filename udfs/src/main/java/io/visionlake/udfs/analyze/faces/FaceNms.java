package io.visionlake.udfs.analyze.faces;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * face-api.js's SSD non-maximum suppression ({@code src/ssdMobilenetv1/nonMaxSuppression.ts}):
 * candidates above the score threshold, best first (a stable sort, as JavaScript's), each kept
 * unless its IoU with a kept box exceeds the threshold; at most {@code maxOutput}.
 */
final class FaceNms {
  private FaceNms() {}

  /** Indices of the kept boxes ({@code [ymin, xmin, ymax, xmax]} per box in {@code boxes}), best first. */
  static List<Integer> select(float[] boxes, float[] scores, int maxOutput, double iouThreshold, double scoreThreshold) {
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < scores.length; i++) {
      if (scores[i] > scoreThreshold) {
        candidates.add(i);
      }
    }
    candidates.sort(Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
    int outputSize = Math.min(maxOutput, scores.length);
    List<Integer> selected = new ArrayList<>();
    for (int c : candidates) {
      if (selected.size() >= outputSize) {
        break;
      }
      boolean suppressed = false;
      for (int j = selected.size() - 1; j >= 0; j--) {
        double iou = iou(boxes, c, selected.get(j));
        if (iou != 0.0 && iou > iouThreshold) {
          suppressed = true;
          break;
        }
      }
      if (!suppressed) {
        selected.add(c);
      }
    }
    return selected;
  }

  static double iou(float[] b, int i, int j) {
    double yminI = Math.min(b[4 * i], b[4 * i + 2]);
    double xminI = Math.min(b[4 * i + 1], b[4 * i + 3]);
    double ymaxI = Math.max(b[4 * i], b[4 * i + 2]);
    double xmaxI = Math.max(b[4 * i + 1], b[4 * i + 3]);
    double yminJ = Math.min(b[4 * j], b[4 * j + 2]);
    double xminJ = Math.min(b[4 * j + 1], b[4 * j + 3]);
    double ymaxJ = Math.max(b[4 * j], b[4 * j + 2]);
    double xmaxJ = Math.max(b[4 * j + 1], b[4 * j + 3]);
    double areaI = (ymaxI - yminI) * (xmaxI - xminI);
    double areaJ = (ymaxJ - yminJ) * (xmaxJ - xminJ);
    if (areaI <= 0 || areaJ <= 0) {
      return 0.0;
    }
    double inter = Math.max(Math.min(ymaxI, ymaxJ) - Math.max(yminI, yminJ), 0.0)
        * Math.max(Math.min(xmaxI, xmaxJ) - Math.max(xminI, xminJ), 0.0);
    return inter / (areaI + areaJ - inter);
  }
}

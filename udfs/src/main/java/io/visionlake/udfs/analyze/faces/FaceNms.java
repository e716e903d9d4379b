package io.visionlake.udfs.analyze.faces;

import io.visionlake.udfs.analyze.objects.Nms;
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
        double iou = Nms.iou(boxes, c, selected.get(j));
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
}

package io.visionlake.udfs.analyze.objects;

/**
 * Post-processing settings every object detector applies after its network: the minimum score of
 * a kept box, the IoU above which NMS drops the weaker of two boxes, and how many objects an image
 * keeps at most. {@link #HUMAN_DEFAULTS} are npm {@code @vladmandic/human@3.3.6}'s, which the
 * reference tests compare against.
 */
public record DetectorSettings(float minScore, float iouThreshold, int maxObjects) {
  public static final DetectorSettings HUMAN_DEFAULTS = new DetectorSettings(0.2f, 0.4f, 10);

  public DetectorSettings {
    if (!(minScore >= 0 && minScore < 1)) {
      throw new IllegalArgumentException("minScore must be in [0, 1), got " + minScore);
    }
    if (!(iouThreshold > 0 && iouThreshold <= 1)) {
      throw new IllegalArgumentException("iouThreshold must be in (0, 1], got " + iouThreshold);
    }
    if (maxObjects < 1) {
      throw new IllegalArgumentException("maxObjects must be >= 1, got " + maxObjects);
    }
  }
}

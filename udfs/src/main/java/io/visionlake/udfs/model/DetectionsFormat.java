package io.visionlake.udfs.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How an object detector's outputs are decoded ({@code output.detections.format}); each format
 * names the post-processing in {@code io.visionlake.udfs.analyze.objects} and how many output
 * tensors it reads.
 */
public enum DetectionsFormat {
  /** One {@code [1, 100, 6]} tensor of x1, y1, x2, y2, score, class ({@code CenterNetDetector}). */
  CENTERNET(1),
  /** Six tensors, a score and a box-distribution tensor per grid, in any order ({@code NanoDetDetector}). */
  NANODET(6);

  private final int outputs;

  DetectionsFormat(int outputs) {
    this.outputs = outputs;
  }

  /** How many tensor names {@code output.detections} lists for this format. */
  public int outputs() {
    return outputs;
  }

  /** The value as written in a spec file. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  static DetectionsFormat parse(String value, String key) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid model spec: '" + key + "' is '" + value.trim() + "'; expected one of "
          + Arrays.stream(values()).map(DetectionsFormat::key).collect(Collectors.joining(", ")));
    }
  }
}

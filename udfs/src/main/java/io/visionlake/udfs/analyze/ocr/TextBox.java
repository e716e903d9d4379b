package io.visionlake.udfs.analyze.ocr;

import org.opencv.core.Point;

/**
 * A detected text region: four corners (top-left, top-right, bottom-right, bottom-left, in
 * image pixels of the detector's input image) and the detector's mean probability inside it.
 */
public final class TextBox {
  private final Point[] corners;
  private final float score;

  public TextBox(Point[] corners, float score) {
    if (corners.length != 4) {
      throw new IllegalStateException("a text box has 4 corners, got " + corners.length);
    }
    this.corners = corners.clone();
    this.score = score;
  }

  /** Top-left, top-right, bottom-right, bottom-left. */
  public Point[] corners() {
    return corners.clone();
  }

  public float score() {
    return score;
  }

  public double minX() {
    return Math.min(Math.min(corners[0].x, corners[1].x), Math.min(corners[2].x, corners[3].x));
  }

  public double minY() {
    return Math.min(Math.min(corners[0].y, corners[1].y), Math.min(corners[2].y, corners[3].y));
  }

  public double maxX() {
    return Math.max(Math.max(corners[0].x, corners[1].x), Math.max(corners[2].x, corners[3].x));
  }

  public double maxY() {
    return Math.max(Math.max(corners[0].y, corners[1].y), Math.max(corners[2].y, corners[3].y));
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "TextBox[%.0f,%.0f..%.0f,%.0f %.2f]", minX(), minY(), maxX(), maxY(), score);
  }
}

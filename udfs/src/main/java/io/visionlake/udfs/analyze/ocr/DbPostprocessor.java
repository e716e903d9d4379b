package io.visionlake.udfs.analyze.ocr;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint;
import org.opencv.core.MatOfPoint2f;
import org.opencv.core.Point;
import org.opencv.core.Rect;
import org.opencv.core.RotatedRect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Post-processing of the DB (differentiable binarisation) text detector, after PaddleOCR's {@code
 * DBPostProcess}: threshold the probability map, take each connected region's contour, fit its
 * minimum-area rectangle, keep it if the mean probability inside is high enough, then "unclip"
 * it (DB predicts shrunk text kernels: the rectangle grows by {@code area * unclipRatio /
 * perimeter} on every side) and scale it back to the source image. Pure OpenCV; no model code.
 */
public final class DbPostprocessor {
  private static final int MIN_SIDE = 3;

  private final float binaryThreshold;
  private final float boxThreshold;
  private final double unclipRatio;
  private final int maxCandidates;

  /**
   * @param binaryThreshold probability above which a pixel is text (PaddleOCR 0.3)
   * @param boxThreshold minimum mean probability of a kept box (PaddleOCR 0.6)
   * @param unclipRatio how far a box grows back (PaddleOCR 1.5)
   * @param maxCandidates most regions examined per image (PaddleOCR 1000)
   */
  public DbPostprocessor(float binaryThreshold, float boxThreshold, double unclipRatio, int maxCandidates) {
    this.binaryThreshold = binaryThreshold;
    this.boxThreshold = boxThreshold;
    this.unclipRatio = unclipRatio;
    this.maxCandidates = maxCandidates;
  }

  /**
   * Boxes in source-image pixels.
   *
   * @param probabilities the map, row-major {@code mapHeight x mapWidth}, starting at {@code offset}
   */
  public List<TextBox> boxes(float[] probabilities, int offset, int mapWidth, int mapHeight, int sourceWidth, int sourceHeight) {
    Mat prob = new Mat(mapHeight, mapWidth, CvType.CV_32FC1);
    Mat bitmap = new Mat();
    Mat hierarchy = new Mat();
    List<MatOfPoint> contours = new ArrayList<>();
    try {
      prob.put(0, 0, Arrays.copyOfRange(probabilities, offset, offset + mapWidth * mapHeight));
      Imgproc.threshold(prob, bitmap, binaryThreshold, 255, Imgproc.THRESH_BINARY);
      bitmap.convertTo(bitmap, CvType.CV_8UC1);
      Imgproc.findContours(bitmap, contours, hierarchy, Imgproc.RETR_LIST, Imgproc.CHAIN_APPROX_SIMPLE);
      double sx = (double) sourceWidth / mapWidth;
      double sy = (double) sourceHeight / mapHeight;
      List<TextBox> out = new ArrayList<>();
      for (int i = 0; i < Math.min(contours.size(), maxCandidates); i++) {
        MatOfPoint contour = contours.get(i);
        MatOfPoint2f contour2f = new MatOfPoint2f(contour.toArray());
        try {
          RotatedRect rect = Imgproc.minAreaRect(contour2f);
          if (Math.min(rect.size.width, rect.size.height) < MIN_SIDE) {
            continue;
          }
          Point[] corners = ordered(rect);
          float score = meanInside(prob, corners);
          if (score < boxThreshold) {
            continue;
          }
          RotatedRect grown = unclip(rect);
          if (Math.min(grown.size.width, grown.size.height) < MIN_SIDE + 2) {
            continue;
          }
          Point[] g = ordered(grown);
          for (Point p : g) {
            p.x = clamp(Math.round(p.x * sx), sourceWidth);
            p.y = clamp(Math.round(p.y * sy), sourceHeight);
          }
          out.add(new TextBox(g, score));
        } finally {
          contour2f.release();
          contour.release();
        }
      }
      return out;
    } finally {
      prob.release();
      bitmap.release();
      hierarchy.release();
    }
  }

  /** The rectangle grown by {@code area * ratio / perimeter} on each side (pyclipper's round offset, for a rectangle). */
  RotatedRect unclip(RotatedRect rect) {
    double w = rect.size.width;
    double h = rect.size.height;
    double distance = w * h * unclipRatio / (2 * (w + h));
    return new RotatedRect(rect.center, new Size(w + 2 * distance, h + 2 * distance), rect.angle);
  }

  /** Corners as top-left, top-right, bottom-right, bottom-left (PaddleOCR's {@code get_mini_boxes}). */
  static Point[] ordered(RotatedRect rect) {
    Point[] p = new Point[4];
    rect.points(p);
    Arrays.sort(p, Comparator.comparingDouble((Point q) -> q.x));
    Point tl;
    Point bl;
    Point tr;
    Point br;
    if (p[1].y > p[0].y) {
      tl = p[0];
      bl = p[1];
    } else {
      tl = p[1];
      bl = p[0];
    }
    if (p[3].y > p[2].y) {
      tr = p[2];
      br = p[3];
    } else {
      tr = p[3];
      br = p[2];
    }
    return new Point[] {tl, tr, br, bl};
  }

  /** Mean probability inside the polygon (PaddleOCR's "fast" box score). */
  private static float meanInside(Mat prob, Point[] corners) {
    int xmin = clampInt(Math.floor(min(corners, true)), prob.cols());
    int xmax = clampInt(Math.ceil(max(corners, true)), prob.cols());
    int ymin = clampInt(Math.floor(min(corners, false)), prob.rows());
    int ymax = clampInt(Math.ceil(max(corners, false)), prob.rows());
    Rect roi = new Rect(xmin, ymin, xmax - xmin + 1, ymax - ymin + 1);
    Mat mask = Mat.zeros(roi.height, roi.width, CvType.CV_8UC1);
    Point[] shifted = new Point[4];
    for (int i = 0; i < 4; i++) {
      shifted[i] = new Point(corners[i].x - xmin, corners[i].y - ymin);
    }
    MatOfPoint poly = new MatOfPoint();
    poly.fromArray(new org.opencv.core.Point[] {
        round(shifted[0]), round(shifted[1]), round(shifted[2]), round(shifted[3])});
    Mat region = new Mat(prob, roi);
    try {
      Imgproc.fillPoly(mask, List.of(poly), new Scalar(1));
      return (float) Core.mean(region, mask).val[0];
    } finally {
      mask.release();
      poly.release();
      region.release();
    }
  }

  private static Point round(Point p) {
    return new Point(Math.round(p.x), Math.round(p.y));
  }

  private static double min(Point[] ps, boolean x) {
    double m = Double.MAX_VALUE;
    for (Point p : ps) {
      m = Math.min(m, x ? p.x : p.y);
    }
    return m;
  }

  private static double max(Point[] ps, boolean x) {
    double m = -Double.MAX_VALUE;
    for (Point p : ps) {
      m = Math.max(m, x ? p.x : p.y);
    }
    return m;
  }

  private static int clampInt(double v, int size) {
    return (int) Math.max(0, Math.min(size - 1, v));
  }

  private static double clamp(double v, int size) {
    return Math.max(0, Math.min(size, v));
  }
}

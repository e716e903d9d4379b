package io.visionlake.udfs.track;

import java.io.Serializable;

/**
 * A counting line from (x1,y1) to (x2,y2) in frame pixels. For an anchor (cx,cy) the side is the sign
 * of {@code s = (x2-x1)*(cy-y1) - (y2-y1)*(cx-x1)}; in image coordinates (y down) a line drawn left to
 * right has its positive side below it, so {@code in} (negative to positive) means moving down across it.
 */
public record CountLine(String name, double x1, double y1, double x2, double y2) implements Serializable {

  public CountLine {
    if (x1 == x2 && y1 == y2) {
      throw new IllegalArgumentException("line " + name + " has two equal end points (" + x1 + "," + y1
          + "): a line needs two distinct points");
    }
  }

  /** The signed area {@code s} of the anchor against this line (0 on the infinite line). */
  double side(double cx, double cy) {
    return (x2 - x1) * (cy - y1) - (y2 - y1) * (cx - x1);
  }

  /**
   * Whether the path from p to q, which lie strictly on opposite sides of the infinite line (sides
   * sp and sq), meets this line's segment, end points included.
   */
  boolean segmentHit(double px, double py, double sp, double qx, double qy, double sq) {
    double t = sp / (sp - sq);
    double ix = px + t * (qx - px);
    double iy = py + t * (qy - py);
    double dx = x2 - x1;
    double dy = y2 - y1;
    double u = ((ix - x1) * dx + (iy - y1) * dy) / (dx * dx + dy * dy);
    return u >= 0 && u <= 1;
  }
}

package io.visionlake.udfs.track;

import java.io.Serializable;
import java.util.Arrays;

/** A polygonal zone in frame pixels: vertices {@code xs[i], ys[i]}, at least three. */
public record Zone(String name, double[] xs, double[] ys) implements Serializable {

  public Zone {
    if (xs.length != ys.length || xs.length < 3) {
      throw new IllegalArgumentException("zone " + name + " needs at least 3 points, got " + xs.length);
    }
    xs = xs.clone();
    ys = ys.clone();
  }

  @Override
  public double[] xs() {
    return xs.clone();
  }

  @Override
  public double[] ys() {
    return ys.clone();
  }

  /**
   * Even-odd rule with half-open edges: a point exactly on an edge is inside for some edges and
   * outside for others (documented: draw zones a few pixels generous), but each point gets one
   * answer, so a track sitting still never flickers in and out.
   */
  public boolean contains(double x, double y) {
    boolean inside = false;
    for (int i = 0, j = xs.length - 1; i < xs.length; j = i++) {
      if ((ys[i] > y) != (ys[j] > y)
          && x < (xs[j] - xs[i]) * (y - ys[i]) / (ys[j] - ys[i]) + xs[i]) {
        inside = !inside;
      }
    }
    return inside;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Zone z && z.name.equals(name) && Arrays.equals(z.xs, xs) && Arrays.equals(z.ys, ys);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(xs) * 17 + Arrays.hashCode(ys);
  }

  @Override
  public String toString() {
    return "Zone[" + name + ", xs=" + Arrays.toString(xs) + ", ys=" + Arrays.toString(ys) + "]";
  }
}

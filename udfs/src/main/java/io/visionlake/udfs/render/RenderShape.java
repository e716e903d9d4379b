package io.visionlake.udfs.render;

import io.visionlake.udfs.track.CameraLayout;
import io.visionlake.udfs.track.CountLine;
import io.visionlake.udfs.track.Zone;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A counting line (two points, open) or a zone (a closed polygon) to draw on a camera's frame, in
 * the frame's original pixels, with its name as the caption at its first point.
 */
public record RenderShape(String name, int[] xs, int[] ys, boolean closed) implements Serializable {
  public RenderShape {
    if (xs.length != ys.length || xs.length < 2) {
      throw new IllegalArgumentException("a shape needs as many x as y coordinates, at least two points");
    }
    xs = xs.clone();
    ys = ys.clone();
  }

  /** The camera's lines (open) and zones (closed), as the tracker counts them. */
  public static List<RenderShape> of(CameraLayout layout) {
    List<RenderShape> out = new ArrayList<>();
    for (CountLine l : layout.lines().values()) {
      out.add(new RenderShape(l.name(), new int[] {(int) Math.round(l.x1()), (int) Math.round(l.x2())},
          new int[] {(int) Math.round(l.y1()), (int) Math.round(l.y2())}, false));
    }
    for (Zone z : layout.zones().values()) {
      int[] xs = new int[z.xs().length];
      int[] ys = new int[z.ys().length];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = (int) Math.round(z.xs()[i]);
        ys[i] = (int) Math.round(z.ys()[i]);
      }
      out.add(new RenderShape(z.name(), xs, ys, true));
    }
    return out;
  }
}

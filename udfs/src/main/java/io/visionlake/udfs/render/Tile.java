package io.visionlake.udfs.render;

import java.io.IOException;
import java.util.List;

/**
 * One image of a sheet: where its bytes come from (read only when its tile is drawn, so a sheet
 * never holds more than one input at a time), its caption lines, the boxes to draw on it and its
 * camera's lines and zones.
 *
 * @param name what the placeholder names when the input cannot be read or decoded (its path)
 */
public record Tile(String name, List<String> caption, List<RenderBox> boxes, List<RenderShape> shapes, Source source) {
  /** The bytes of the image; an exception becomes a placeholder tile saying why. */
  @FunctionalInterface
  public interface Source {
    byte[] read() throws IOException;
  }

  public Tile {
    caption = caption == null ? List.of() : List.copyOf(caption);
    boxes = boxes == null ? List.of() : List.copyOf(boxes);
    shapes = shapes == null ? List.of() : List.copyOf(shapes);
  }

  /** A tile without lines or zones. */
  public Tile(String name, List<String> caption, List<RenderBox> boxes, Source source) {
    this(name, caption, boxes, List.of(), source);
  }
}

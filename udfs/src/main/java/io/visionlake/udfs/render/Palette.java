package io.visionlake.udfs.render;

import java.awt.Color;

/**
 * Box colours: one per label, the same label the same colour on every render (a stable hash into
 * a fixed list), so a sheet reads at a glance and tests can ask which colour a box has.
 */
public final class Palette {
  /** Saturated colours that stand out on photos; chosen to differ in hue by at least ~30 degrees. */
  private static final Color[] COLORS = {
      new Color(0xFF, 0x3B, 0x30), new Color(0x00, 0xC8, 0x53), new Color(0x29, 0x79, 0xFF),
      new Color(0xFF, 0xC1, 0x07), new Color(0xE0, 0x40, 0xFB), new Color(0x00, 0xE5, 0xFF),
      new Color(0xFF, 0x6D, 0x00), new Color(0x76, 0xFF, 0x03)};

  /** Tile background and the placeholder's fill. */
  static final Color BACKGROUND = new Color(0x20, 0x24, 0x2A);
  static final Color PLACEHOLDER = new Color(0x5A, 0x1E, 0x1E);
  static final Color CAPTION = new Color(0xE8, 0xEA, 0xED);
  /** Counting lines and zones: white, which no label gets, so a line never reads as a box. */
  static final Color SHAPE = new Color(0xFF, 0xFF, 0xFF);

  private Palette() {}

  /** The colour boxes labelled {@code label} are drawn in. */
  public static Color forLabel(String label) {
    int h = label == null ? 0 : label.hashCode();
    return COLORS[Math.floorMod(h, COLORS.length)];
  }

  /** The sheet's background colour (what a pixel outside every tile has). */
  public static Color background() {
    return BACKGROUND;
  }
}

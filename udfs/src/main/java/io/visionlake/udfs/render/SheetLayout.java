package io.visionlake.udfs.render;

/**
 * Where each tile of a contact sheet goes: {@code columns} cells of {@code thumb} x {@code thumb}
 * pixels (the image fitted and centred) with a caption band of {@link #CAPTION_HEIGHT} under each,
 * {@link #GAP} pixels of background around every cell. Tile {@code i} is in row {@code i / columns},
 * column {@code i % columns}.
 *
 * <p>The limits keep a sheet's memory bounded: the canvas is the only full-size buffer (3 bytes a
 * pixel) and at most {@link #MAX_TILES} tiles of at most {@link #MAX_THUMB} pixels in at most
 * {@link #MAX_COLUMNS} columns fit in {@link #MAX_PIXELS} (about 110 MB). Larger selections are
 * split into several sheets by the caller.
 */
public record SheetLayout(int columns, int thumb, int tiles) {
  public static final int MAX_COLUMNS = 16;
  public static final int MIN_THUMB = 48;
  public static final int MAX_THUMB = 512;
  public static final int MAX_TILES = 400;
  /** 36 MP of canvas: 16 columns of 512 px thumbnails are about 8,300 x 4,400 (8 rows). */
  public static final long MAX_PIXELS = 36_000_000L;
  public static final int GAP = 6;
  /** Two caption lines (e.g. label and time) in a 12 px font. */
  public static final int CAPTION_HEIGHT = 32;

  /** @throws IllegalArgumentException naming the limit and what to change, for any value out of range */
  public SheetLayout {
    if (columns < 1 || columns > MAX_COLUMNS) {
      throw new IllegalArgumentException("columns must be 1.." + MAX_COLUMNS + ", got " + columns);
    }
    if (thumb < MIN_THUMB || thumb > MAX_THUMB) {
      throw new IllegalArgumentException("thumbnail size must be " + MIN_THUMB + ".." + MAX_THUMB + " px, got " + thumb);
    }
    if (tiles < 0 || tiles > MAX_TILES) {
      throw new IllegalArgumentException("a sheet holds at most " + MAX_TILES + " images, the query returned " + tiles
          + "; add a LIMIT or split the selection into several sheets");
    }
    long pixels = (long) width(columns, thumb) * height(columns, thumb, tiles);
    if (pixels > MAX_PIXELS) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
          "a sheet of %d images at %d px in %d columns would be %,d pixels, above the limit of %,d;"
              + " use a smaller thumbnail size, or fewer rows (a LIMIT)", tiles, thumb, columns, pixels, MAX_PIXELS));
    }
  }

  private static int width(int columns, int thumb) {
    return GAP + columns * (thumb + GAP);
  }

  private static int height(int columns, int thumb, int tiles) {
    int rows = Math.max(1, (tiles + columns - 1) / columns);
    return GAP + rows * (thumb + CAPTION_HEIGHT + GAP);
  }

  /** Sheet width in pixels. */
  public int width() {
    return width(Math.min(columns, Math.max(1, tiles)), thumb);
  }

  /** Sheet height in pixels (one row for an empty sheet). */
  public int height() {
    return height(columns, thumb, tiles);
  }

  /** Left edge of tile {@code i}'s image cell. */
  public int tileX(int i) {
    return GAP + (i % columns) * (thumb + GAP);
  }

  /** Top edge of tile {@code i}'s image cell (its caption band is below, from {@code tileY + thumb}). */
  public int tileY(int i) {
    return GAP + (i / columns) * (thumb + CAPTION_HEIGHT + GAP);
  }
}

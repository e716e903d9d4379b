package io.visionlake.udfs.image;

import java.io.Serializable;
import java.util.Map;

/** Immutable decoder settings; serializable so a decoder can be shipped to Spark executors. */
public final class DecodeOptions implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Configuration key users set to change {@link #maxPixels()}. */
  public static final String MAX_PIXELS_KEY = "visionlake.decode.maxPixels";

  /**
   * 100 MP: larger than any consumer camera yet small enough that a 3-byte-per-pixel buffer
   * (300 MB) does not take down an executor sized for typical partitions.
   */
  public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

  private static final DecodeOptions DEFAULTS = new DecodeOptions(DEFAULT_MAX_PIXELS);

  private final long maxPixels;

  private DecodeOptions(long maxPixels) {
    if (maxPixels <= 0) {
      throw new IllegalArgumentException(MAX_PIXELS_KEY + " must be positive, got " + maxPixels);
    }
    this.maxPixels = maxPixels;
  }

  public static DecodeOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Reads known keys (e.g. {@value #MAX_PIXELS_KEY}) from a string config map; others ignored. */
  public static DecodeOptions fromConfig(Map<String, String> conf) {
    Builder b = builder();
    String v = conf.get(MAX_PIXELS_KEY);
    if (v != null && !v.isBlank()) {
      try {
        b.maxPixels(Long.parseLong(v.trim().replace("_", "")));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(MAX_PIXELS_KEY + " must be an integer, got '" + v + "'", e);
      }
    }
    return b.build();
  }

  /** Images whose header claims more pixels than this are rejected before any pixel decode. */
  public long maxPixels() {
    return maxPixels;
  }

  public Builder toBuilder() {
    return new Builder().maxPixels(maxPixels);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DecodeOptions && ((DecodeOptions) o).maxPixels == maxPixels;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(maxPixels);
  }

  @Override
  public String toString() {
    return "DecodeOptions{maxPixels=" + maxPixels + "}";
  }

  public static final class Builder {
    private long maxPixels = DEFAULT_MAX_PIXELS;

    private Builder() {}

    public Builder maxPixels(long maxPixels) {
      this.maxPixels = maxPixels;
      return this;
    }

    public DecodeOptions build() {
      return new DecodeOptions(maxPixels);
    }
  }
}

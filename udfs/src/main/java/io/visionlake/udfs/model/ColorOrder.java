package io.visionlake.udfs.model;

import java.util.Locale;

/** Channel layout a model expects its input tensor in. */
public enum ColorOrder {
  RGB(3),
  BGR(3),
  GRAY(1);

  private final int channels;

  ColorOrder(int channels) {
    this.channels = channels;
  }

  public int channels() {
    return channels;
  }

  static ColorOrder parse(String value, String key) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid " + key + "='" + value + "': expected one of RGB, BGR, GRAY");
    }
  }
}

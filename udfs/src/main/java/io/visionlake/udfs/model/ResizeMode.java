package io.visionlake.udfs.model;

import java.util.Locale;

/** How an image is fitted to the model's input size. */
public enum ResizeMode {
  /** Scale each axis independently to the input size (aspect ratio not kept). */
  STRETCH,
  /**
   * Scale to fit inside the input size keeping the aspect ratio, anchored top-left; the rest is
   * zero after normalisation (letterbox for detectors).
   */
  PAD,
  /**
   * Scale to the input height; width follows the aspect ratio, capped at the input width, and the
   * rest is zero-padded on the right. PaddleOCR's text-line convention (orientation, recognition).
   */
  FIT_HEIGHT;

  static ResizeMode parse(String value, String key) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid " + key + "='" + value + "': expected one of stretch, pad, fit-height");
    }
  }
}

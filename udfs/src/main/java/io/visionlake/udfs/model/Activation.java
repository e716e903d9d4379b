package io.visionlake.udfs.model;

import java.util.Locale;

/** What turns the model's class output into scores. */
public enum Activation {
  /** The model outputs logits: apply softmax. */
  SOFTMAX,
  /** The model already outputs probabilities. */
  NONE;

  static Activation parse(String value, String key) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid " + key + "='" + value + "': expected one of softmax, none");
    }
  }
}

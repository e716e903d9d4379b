package io.visionlake.udfs.model;

import java.util.Locale;

/**
 * How a model output becomes an embedding vector: as it is (flattened), or a feature map averaged
 * over its spatial positions (global average pooling), so a backbone's late feature map, such as
 * a detector's, serves as an image embedding.
 */
public enum EmbeddingPooling {
  /** The output flattened per image: {@code [N, D]} or {@code [N, D, 1, 1]}. */
  NONE,
  /**
   * The mean over every position of a feature map: {@code [N, H, W, C]} for {@link
   * ModelSpec#ENGINE_TENSORFLOW} (channels last, TensorFlow's layout), {@code [N, C, H, W]} for the
   * other engines.
   */
  AVG;

  static EmbeddingPooling parse(String value, String key) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid model spec: '" + key + "' must be none or avg, got '" + value + "'");
    }
  }

  /**
   * Turns one output ({@code values} row-major in {@code shape}, first axis the batch) into {@code
   * n} embeddings of equal length, pooled as this says and, with {@code l2}, scaled to unit length.
   * Returns the embeddings row-major; their length is {@code result.length / n}.
   */
  public float[] apply(float[] values, long[] shape, boolean channelsLast, boolean l2) {
    int n = (int) shape[0];
    float[] out;
    if (this == NONE || shape.length <= 2) {
      out = values.clone();
    } else {
      int channels = (int) (channelsLast ? shape[shape.length - 1] : shape[1]);
      int positions = values.length / n / channels;
      out = new float[n * channels];
      for (int i = 0; i < n; i++) {
        int base = i * channels * positions;
        for (int p = 0; p < positions; p++) {
          for (int c = 0; c < channels; c++) {
            out[i * channels + c] += values[base + (channelsLast ? p * channels + c : c * positions + p)];
          }
        }
        for (int c = 0; c < channels; c++) {
          out[i * channels + c] /= positions;
        }
      }
    }
    if (l2) {
      int d = out.length / n;
      for (int i = 0; i < n; i++) {
        double sum = 0;
        for (int j = 0; j < d; j++) {
          sum += (double) out[i * d + j] * out[i * d + j];
        }
        // A zero vector (a blank image through ReLUs) stays zero rather than becoming NaN.
        float scale = sum > 0 ? (float) (1 / Math.sqrt(sum)) : 0f;
        for (int j = 0; j < d; j++) {
          out[i * d + j] *= scale;
        }
      }
    }
    return out;
  }
}

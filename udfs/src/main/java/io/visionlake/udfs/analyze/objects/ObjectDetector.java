package io.visionlake.udfs.analyze.objects;

import java.util.List;

/**
 * A COCO-style object detector: a network and the pre- and post-processing that belong to it. One
 * implementation per output format ({@link CenterNetDetector}, ...); the model comes from the one
 * model-loading path ({@code ExecutorModelCache}), so a detector holds no weights of its own.
 */
public interface ObjectDetector {
  /**
   * Objects in {@code rgb} (height x width x 3, interleaved, values 0..255), best first, boxes in
   * the pixels of {@code rgb}.
   */
  List<Detection> detect(float[] rgb, int width, int height);
}

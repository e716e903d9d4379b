package io.visionlake.udfs.analyze.ocr;

import io.visionlake.udfs.inference.ImagePreprocessor;
import io.visionlake.udfs.model.ImageBatch;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.model.ResizeMode;
import org.opencv.core.Mat;

/**
 * Pre-processing of the DB text detector (PaddleOCR's {@code DetResizeForTest} with {@code
 * limit_type=max}): the longer side is brought down to at most the spec's {@code input.width}
 * (960 for PP-OCRv4), both sides are rounded to multiples of 32 (the network downsamples 32x),
 * then the spec's colour order and normalisation apply. The pixels go through the project's one
 * {@link ImagePreprocessor}; this class only decides the size. No model or Spark code.
 */
public final class TextDetectionInput {
  private static final int STRIDE = 32;

  private final ModelSpec spec;
  private final int maxSide;

  public TextDetectionInput(ModelSpec spec) {
    this.spec = spec;
    this.maxSide = Math.max(spec.inputWidth(), spec.inputHeight());
  }

  /** Detector input size {width, height} for an image of {@code width x height}. */
  public int[] inputSize(int width, int height) {
    double ratio = Math.max(width, height) > maxSide ? (double) maxSide / Math.max(width, height) : 1.0;
    return new int[] {roundToStride(width * ratio), roundToStride(height * ratio)};
  }

  /** A one-image batch holding {@code bgr} resized to {@link #inputSize} and normalised. */
  public ImageBatch toBatch(Mat bgr) {
    int[] size = inputSize(bgr.cols(), bgr.rows());
    ModelSpec sized = spec.toBuilder().setInputSize(size[0], size[1]).optResizeMode(ResizeMode.STRETCH).optBatchSize(1).build();
    ImageBatch batch = new ImageBatch(1, spec.colorOrder().channels(), size[1], size[0]);
    new ImagePreprocessor(sized).write(bgr, batch);
    return batch;
  }

  private static int roundToStride(double v) {
    return Math.max(STRIDE, (int) Math.round(v / STRIDE) * STRIDE);
  }
}

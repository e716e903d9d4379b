package io.visionlake.udfs.analyze.ocr;

import io.visionlake.udfs.inference.ImagePreprocessor;
import io.visionlake.udfs.model.ImageBatch;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.model.ResizeMode;
import java.util.List;
import org.opencv.core.Mat;

/**
 * Pre-processing of the CTC recogniser (PaddleOCR's {@code resize_norm_img}): every line crop is
 * scaled to the spec's {@code input.height} (48) keeping its aspect ratio and zero-padded on the
 * right to the batch width, which is the widest crop's width at that height but at least the
 * spec's {@code input.width} (320) and at most {@code maxWidth}. Normalisation is the spec's,
 * applied by the project's one {@link ImagePreprocessor} in {@code fit-height} mode.
 */
public final class TextRecognitionInput {
  /** The recogniser's output has one time step per this many input columns. */
  public static final int COLUMNS_PER_STEP = 8;

  private final ModelSpec spec;
  private final int maxWidth;

  public TextRecognitionInput(ModelSpec spec, int maxWidth) {
    this.spec = spec;
    this.maxWidth = Math.max(spec.inputWidth(), maxWidth);
  }

  /** Batch width for these crops: a multiple of {@link #COLUMNS_PER_STEP}. */
  public int batchWidth(List<Mat> crops) {
    double ratio = (double) spec.inputWidth() / spec.inputHeight();
    for (Mat c : crops) {
      ratio = Math.max(ratio, (double) c.cols() / Math.max(1, c.rows()));
    }
    int w = (int) Math.min(maxWidth, Math.ceil(spec.inputHeight() * ratio));
    return (w + COLUMNS_PER_STEP - 1) / COLUMNS_PER_STEP * COLUMNS_PER_STEP;
  }

  public ImageBatch toBatch(List<Mat> crops) {
    int width = batchWidth(crops);
    ModelSpec sized = spec.toBuilder().setInputSize(width, spec.inputHeight()).optResizeMode(ResizeMode.FIT_HEIGHT)
        .optBatchSize(crops.size()).build();
    ImagePreprocessor pre = new ImagePreprocessor(sized);
    ImageBatch batch = new ImageBatch(crops.size(), spec.colorOrder().channels(), spec.inputHeight(), width);
    for (Mat c : crops) {
      pre.write(c, batch);
    }
    return batch;
  }
}

package io.visionlake.udfs.inference;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecodeException;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.model.BatchOutput;
import io.visionlake.udfs.model.ExecutorModelCache;
import io.visionlake.udfs.model.ImageBatch;
import io.visionlake.udfs.model.LoadedModel;
import io.visionlake.udfs.model.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes, preprocesses and classifies/embeds images in batches with one predictor. One instance
 * per partition (per thread): it owns a predictor and a reusable batch buffer. The model itself
 * comes from the {@link ExecutorModelCache}, so it is loaded once per executor JVM.
 *
 * <p>Failures are per image: a decode error or an inference error becomes a failed {@link
 * ImageResult} for that image only. If a whole batch fails in the engine, the images are retried
 * one at a time so one poisonous input cannot take its neighbours down with it.
 */
public final class ImageInferenceRunner implements AutoCloseable {
  private final ModelSpec spec;
  private final int threads;
  private final ImageDecoder decoder;
  private final ImagePreprocessor preprocessor;
  private final ImageBatch batch;
  private LoadedModel model;
  private Predictor<ImageBatch, BatchOutput> predictor;

  public ImageInferenceRunner(ModelSpec spec, DecodeOptions decodeOptions, int threads) {
    this.spec = spec;
    this.threads = threads;
    this.decoder = new ImageDecoder(decodeOptions);
    this.preprocessor = new ImagePreprocessor(spec);
    this.batch = new ImageBatch(spec.batchSize(), spec.colorOrder().channels(), spec.inputHeight(), spec.inputWidth());
  }

  public int batchSize() {
    return spec.batchSize();
  }

  /** The loaded model (loads it on first call). */
  public LoadedModel model() {
    if (model == null) {
      model = ExecutorModelCache.get(spec, threads);
    }
    return model;
  }

  /** Results for {@code contents} in the same order; at most {@link #batchSize()} images. */
  public List<ImageResult> infer(List<byte[]> contents) {
    if (contents.size() > spec.batchSize()) {
      throw new IllegalArgumentException("At most " + spec.batchSize() + " images per call, got " + contents.size());
    }
    ImageResult[] results = new ImageResult[contents.size()];
    String[] formats = new String[contents.size()];
    int[] widths = new int[contents.size()];
    int[] heights = new int[contents.size()];
    int[] slotOf = new int[contents.size()];
    Arrays.fill(slotOf, -1);
    batch.clear();
    for (int i = 0; i < contents.size(); i++) {
      byte[] bytes = contents.get(i);
      try (DecodedImage image = decoder.decode(bytes, preprocessor.minDecodeWidth(), preprocessor.minDecodeHeight())) {
        formats[i] = image.header().format();
        widths[i] = image.header().width();
        heights[i] = image.header().height();
        slotOf[i] = batch.size();
        preprocessor.write(image.mat(), batch);
      } catch (ImageDecodeException e) {
        results[i] = ImageResult.failure(ImageResult.STAGE_DECODE, e.errorClass(), e.getMessage());
      } catch (RuntimeException | LinkageError e) {
        slotOf[i] = -1;
        results[i] = ImageResult.failure(ImageResult.STAGE_DECODE, e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
      }
    }
    if (batch.size() > 0) {
      BatchOutput output = predictBatch();
      for (int i = 0; i < contents.size(); i++) {
        if (slotOf[i] < 0) {
          continue;
        }
        results[i] = output != null
            ? toResult(output, slotOf[i], formats[i], widths[i], heights[i])
            : retryAlone(contents.get(i), formats[i], widths[i], heights[i]);
      }
    }
    return Arrays.asList(results);
  }

  private BatchOutput predictBatch() {
    try {
      return predictor().predict(batch);
    } catch (TranslateException | RuntimeException e) {
      return null;
    }
  }

  private ImageResult retryAlone(byte[] bytes, String format, int width, int height) {
    batch.clear();
    try (DecodedImage image = decoder.decode(bytes, preprocessor.minDecodeWidth(), preprocessor.minDecodeHeight())) {
      preprocessor.write(image.mat(), batch);
      return toResult(predictor().predict(batch), 0, format, width, height);
    } catch (TranslateException | ImageDecodeException | RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return ImageResult.failure(ImageResult.STAGE_INFER, cause.getClass().getSimpleName(), String.valueOf(cause.getMessage()));
    }
  }

  private ImageResult toResult(BatchOutput output, int slot, String format, int width, int height) {
    String[] labels = null;
    float[] scores = null;
    float[] probabilities = output.scores(slot);
    if (probabilities != null) {
      int k = Math.min(spec.topK(), probabilities.length);
      Integer[] order = new Integer[probabilities.length];
      for (int j = 0; j < order.length; j++) {
        order[j] = j;
      }
      Arrays.sort(order, (a, b) -> Float.compare(probabilities[b], probabilities[a]));
      labels = new String[k];
      scores = new float[k];
      for (int j = 0; j < k; j++) {
        labels[j] = model().label(order[j]);
        scores[j] = probabilities[order[j]];
      }
    }
    return ImageResult.success(format, width, height, labels, scores, output.embedding(slot));
  }

  private Predictor<ImageBatch, BatchOutput> predictor() {
    if (predictor == null) {
      predictor = model().newPredictor();
    }
    return predictor;
  }

  /** Runs {@link #infer} over any number of images, in chunks of {@link #batchSize()}. */
  public List<ImageResult> inferAll(List<byte[]> contents) {
    List<ImageResult> out = new ArrayList<>(contents.size());
    for (int from = 0; from < contents.size(); from += spec.batchSize()) {
      out.addAll(infer(contents.subList(from, Math.min(contents.size(), from + spec.batchSize()))));
    }
    return out;
  }

  @Override
  public void close() {
    if (predictor != null) {
      predictor.close();
      predictor = null;
    }
  }
}

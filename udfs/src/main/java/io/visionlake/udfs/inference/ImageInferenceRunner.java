package io.visionlake.udfs.inference;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import io.visionlake.udfs.analyze.AnalyzerSpec;
import io.visionlake.udfs.analyze.ImageAnalyzer;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecodeException;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.model.BatchOutput;
import io.visionlake.udfs.model.ExecutorModelCache;
import io.visionlake.udfs.model.ImageBatch;
import io.visionlake.udfs.model.LoadedModel;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.model.ModelUnavailableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.StructField;
import org.opencv.core.Mat;

/**
 * Decodes, preprocesses and classifies/embeds images in batches with one predictor, and runs the
 * requested {@link ImageAnalyzer}s (people, faces, ...) on the same decoded pixels: each image is
 * decoded once, at the smallest size that satisfies the model and every analyser. One instance
 * per partition (per thread): it owns a predictor and a reusable batch buffer. The model itself
 * comes from the {@link ExecutorModelCache}, so it is loaded once per executor JVM.
 *
 * <p>Failures are per image: a decode error or an inference error becomes a failed {@link
 * ImageResult} for that image only. If a whole batch fails in the engine, the images are retried
 * one at a time so one poisonous input cannot take its neighbours down with it. A model that
 * cannot run at all (weights that do not load, a missing device or native library) is no image's
 * failure: its {@link ModelUnavailableException} propagates and fails the task.
 */
public final class ImageInferenceRunner implements AutoCloseable {
  private final ModelSpec spec;
  private final int threads;
  private final int batchSize;
  private final ImageDecoder decoder;
  private final ImagePreprocessor preprocessor;
  private final ImageBatch batch;
  private final List<ImageAnalyzer> analyzers;
  private final int minDecodeWidth;
  private final int minDecodeHeight;
  private LoadedModel model;
  private Predictor<ImageBatch, BatchOutput> predictor;

  public ImageInferenceRunner(ModelSpec spec, DecodeOptions decodeOptions, int threads) {
    this(spec, List.of(), decodeOptions, threads, spec.batchSize());
  }

  /**
   * @param spec the model, or null to run analysers only
   * @param analyzers analysers to run on every decoded image, in output order
   * @param batchSize images per call; with a model it must not exceed the spec's batch size
   */
  public ImageInferenceRunner(ModelSpec spec, List<AnalyzerSpec> analyzers, DecodeOptions decodeOptions, int threads, int batchSize) {
    if (spec == null && analyzers.isEmpty()) {
      throw new IllegalArgumentException("Nothing to run: no model and no analyser");
    }
    this.spec = spec;
    this.threads = threads;
    this.batchSize = spec != null ? Math.min(batchSize, spec.batchSize()) : batchSize;
    this.decoder = new ImageDecoder(decodeOptions);
    this.preprocessor = spec != null ? new ImagePreprocessor(spec) : null;
    this.batch = spec != null
        ? new ImageBatch(spec.batchSize(), spec.colorOrder().channels(), spec.inputHeight(), spec.inputWidth()) : null;
    this.analyzers = new ArrayList<>();
    analyzers.forEach(a -> this.analyzers.add(a.create()));
    int w = preprocessor != null ? preprocessor.minDecodeWidth() : 1;
    int h = preprocessor != null ? preprocessor.minDecodeHeight() : 1;
    boolean fullSize = false;
    for (ImageAnalyzer a : this.analyzers) {
      int[] min = a.minDecodeSize();
      fullSize |= min[0] <= 0 && min[1] <= 0;
      w = Math.max(w, min[0]);
      h = Math.max(h, min[1]);
    }
    this.minDecodeWidth = fullSize ? 0 : w;
    this.minDecodeHeight = fullSize ? 0 : h;
  }

  public int batchSize() {
    return batchSize;
  }

  /** The columns the analysers add, in the order of {@link ImageResult#analysis()}. */
  public List<StructField> analysisFields() {
    List<StructField> out = new ArrayList<>();
    analyzers.forEach(a -> out.addAll(a.fields()));
    return out;
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
    if (contents.size() > batchSize) {
      throw new IllegalArgumentException("At most " + batchSize + " images per call, got " + contents.size());
    }
    ImageResult[] results = new ImageResult[contents.size()];
    String[] formats = new String[contents.size()];
    int[] widths = new int[contents.size()];
    int[] heights = new int[contents.size()];
    int[] slotOf = new int[contents.size()];
    DecodedImage[] kept = new DecodedImage[contents.size()];
    Arrays.fill(slotOf, -1);
    if (batch != null) {
      batch.clear();
    }
    try {
      for (int i = 0; i < contents.size(); i++) {
        byte[] bytes = contents.get(i);
        DecodedImage image = null;
        try {
          image = decoder.decode(bytes, minDecodeWidth, minDecodeHeight);
          formats[i] = image.header().format();
          widths[i] = image.header().width();
          heights[i] = image.header().height();
          if (batch != null) {
            slotOf[i] = batch.size();
            preprocessor.write(image.mat(), batch);
          }
          if (!analyzers.isEmpty()) {
            kept[i] = image; // the analysers read the same pixels; closed below
            image = null;
          } else {
            results[i] = batch == null ? ImageResult.success(formats[i], widths[i], heights[i], null, null, null) : null;
          }
        } catch (ImageDecodeException e) {
          slotOf[i] = -1;
          results[i] = ImageResult.failure(ImageResult.STAGE_DECODE, e.errorClass(), e.getMessage());
        } catch (RuntimeException e) {
          slotOf[i] = -1;
          results[i] = ImageResult.failure(ImageResult.STAGE_DECODE, e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
        } catch (LinkageError e) {
          // A missing or broken native library (OpenCV, libjpeg-turbo) fails every image alike: the task fails, no rows.
          throw new ModelUnavailableException("The image decoder cannot run on this executor: " + e
              + ". Its native libraries (OpenCV, libjpeg-turbo) must ship for this platform in the application jar", e);
        } finally {
          if (image != null) {
            image.close();
          }
        }
      }
      if (batch != null && batch.size() > 0) {
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
      if (!analyzers.isEmpty()) {
        analyze(kept, results, formats, widths, heights);
      }
    } finally {
      for (DecodedImage image : kept) {
        if (image != null) {
          image.close();
        }
      }
    }
    return Arrays.asList(results);
  }

  /** Runs every analyser over the decoded images still standing and attaches their values. */
  private void analyze(DecodedImage[] kept, ImageResult[] results, String[] formats, int[] widths, int[] heights) {
    List<Integer> index = new ArrayList<>();
    for (int i = 0; i < kept.length; i++) {
      if (kept[i] != null && (results[i] == null || results[i].isSuccess())) {
        index.add(i);
      }
    }
    if (index.isEmpty()) {
      return;
    }
    List<Mat> mats = new ArrayList<>(index.size());
    int[] reductions = new int[index.size()];
    for (int j = 0; j < index.size(); j++) {
      mats.add(kept[index.get(j)].mat());
      reductions[j] = kept[index.get(j)].reduction();
    }
    List<List<Object[]>> perAnalyzer = new ArrayList<>();
    String[] failed = new String[index.size()];
    for (ImageAnalyzer analyzer : analyzers) {
      List<Object[]> values;
      try {
        values = analyzer.analyze(mats, reductions);
      } catch (IllegalArgumentException | ModelUnavailableException e) {
        throw e; // a configuration problem (missing cascade, bad option, a model that cannot load), not a bad image
      } catch (RuntimeException | LinkageError e) {
        values = new ArrayList<>(mats.size()); // one image at a time, so one bad frame fails alone
        for (int j = 0; j < mats.size(); j++) {
          try {
            values.add(analyzer.analyze(List.of(mats.get(j)), new int[] {reductions[j]}).get(0));
          } catch (ModelUnavailableException single) {
            throw single;
          } catch (RuntimeException | LinkageError single) {
            values.add(null);
            failed[j] = analyzer.name() + ": " + single;
          }
        }
      }
      perAnalyzer.add(values);
    }
    for (int j = 0; j < index.size(); j++) {
      int i = index.get(j);
      if (failed[j] != null) {
        results[i] = ImageResult.failure(ImageResult.STAGE_INFER, "AnalyzerFailed", failed[j]);
        continue;
      }
      List<Object> flat = new ArrayList<>();
      for (List<Object[]> values : perAnalyzer) {
        flat.addAll(Arrays.asList(values.get(j)));
      }
      ImageResult base = results[i] != null ? results[i] : ImageResult.success(formats[i], widths[i], heights[i], null, null, null);
      results[i] = base.withAnalysis(flat.toArray());
    }
  }

  private BatchOutput predictBatch() {
    // Outside the try: a model that cannot load fails the task, it is not a failure of these images.
    if (!model().embedsWithGraph()) {
      predictor();
    }
    try {
      return run(batch);
    } catch (TranslateException | RuntimeException e) {
      return null;
    }
  }

  /** One batch through the model: a TensorFlow embedder's graph, else this partition's DJL predictor. */
  private BatchOutput run(ImageBatch b) throws TranslateException {
    return model().embedsWithGraph() ? model().embedWithGraph(b) : predictor().predict(b);
  }

  private ImageResult retryAlone(byte[] bytes, String format, int width, int height) {
    batch.clear();
    try (DecodedImage image = decoder.decode(bytes, preprocessor.minDecodeWidth(), preprocessor.minDecodeHeight())) {
      preprocessor.write(image.mat(), batch);
      return toResult(run(batch), 0, format, width, height);
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
      try {
        predictor = model().newPredictor();
      } catch (ModelUnavailableException e) {
        throw e;
      } catch (RuntimeException | LinkageError e) {
        throw new ModelUnavailableException("Model '" + spec.name() + "' (engine " + spec.engine() + ") cannot run: " + e, e);
      }
    }
    return predictor;
  }

  /** Runs {@link #infer} over any number of images, in chunks of {@link #batchSize()}. */
  public List<ImageResult> inferAll(List<byte[]> contents) {
    List<ImageResult> out = new ArrayList<>(contents.size());
    for (int from = 0; from < contents.size(); from += batchSize) {
      out.addAll(infer(contents.subList(from, Math.min(contents.size(), from + batchSize))));
    }
    return out;
  }

  @Override
  public void close() {
    analyzers.forEach(ImageAnalyzer::close);
    if (predictor != null) {
      predictor.close();
      predictor = null;
    }
  }
}

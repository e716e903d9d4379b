package io.visionlake.udfs.inference;

import io.visionlake.udfs.analyze.AnalyzerSpec;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.image.ImageDecodeException;
import io.visionlake.udfs.image.ImageHeader;
import io.visionlake.udfs.model.EngineThreads;
import io.visionlake.udfs.model.ModelSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.spark.TaskContext;
import org.apache.spark.util.LongAccumulator;

/**
 * The one partitioned-inference path every job and transformer uses: inside {@code
 * mapPartitions}, pull {@code batchSize} rows, run them through an {@link ImageInferenceRunner} as
 * one batch, emit one output row per input row, repeat. Lazy (a partition is never materialised),
 * order-preserving, and the predictor is closed when the partition ends or the task is killed.
 * With a model, the images per model call and the engine threads come from the {@link
 * LayoutTuner} (measured on the partition's first images, once per model per JVM) unless the spec
 * says {@code layout=fixed} or tuning is off ({@link #withLayoutTuning}); rows are still read
 * {@code batchSize} at a time and each image's output is the same whatever the layout.
 *
 * <p>Serializable and small: it carries the spec and options, never a model.
 */
public final class PartitionedInference implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ModelSpec spec;
  private final List<AnalyzerSpec> analyzers;
  private final int batchSize;
  private final DecodeOptions decodeOptions;
  private final int threads;
  private final LongAccumulator imagesDone;
  private final long maxBatchBytes;
  private final LayoutTuner.Settings tuning;
  private final LayoutAccumulator layouts;

  /**
   * 256 MiB per task: a batch of small images is never cut, while 12-megapixel photos under an
   * analyser (which keeps each image's full-size pixels until every analyser has run, 36 MB each)
   * go a few at a time instead of 16 at once, so executor memory is bounded by
   * {@code task slots x this} rather than by {@code batchSize x the largest image}.
   */
  public static final long DEFAULT_MAX_BATCH_BYTES = 256L << 20;

  /**
   * @param threads engine intra-op threads; 0 takes the spec's value, else {@code spark.task.cpus}
   * @param imagesDone optional accumulator the driver's progress reporter reads
   */
  public PartitionedInference(ModelSpec spec, DecodeOptions decodeOptions, int threads, LongAccumulator imagesDone) {
    this(spec, List.of(), spec.batchSize(), decodeOptions, threads, imagesDone);
  }

  /**
   * With analysers: every image is decoded once and read by the model (if any) and each analyser.
   *
   * @param spec the model, or null for analysers only
   * @param analyzers analysers in output order (their fields are {@link ImageResult#analysis()})
   * @param batchSize images per batch (capped by the model's batch size)
   */
  public PartitionedInference(ModelSpec spec, List<AnalyzerSpec> analyzers, int batchSize, DecodeOptions decodeOptions,
      int threads, LongAccumulator imagesDone) {
    this(spec, analyzers, batchSize, decodeOptions, threads, imagesDone, DEFAULT_MAX_BATCH_BYTES);
  }

  /**
   * @param maxBatchBytes a batch is cut early once its rows' bytes, plus the decoded pixels that
   *     analysers hold (3 bytes a pixel, from the header), reach this; a batch always takes one row
   */
  public PartitionedInference(ModelSpec spec, List<AnalyzerSpec> analyzers, int batchSize, DecodeOptions decodeOptions,
      int threads, LongAccumulator imagesDone, long maxBatchBytes) {
    this(spec, analyzers, batchSize, decodeOptions, threads, imagesDone, maxBatchBytes, LayoutTuner.Settings.defaults(), null);
  }

  private PartitionedInference(ModelSpec spec, List<AnalyzerSpec> analyzers, int batchSize, DecodeOptions decodeOptions,
      int threads, LongAccumulator imagesDone, long maxBatchBytes, LayoutTuner.Settings tuning, LayoutAccumulator layouts) {
    if (maxBatchBytes < 1) {
      throw new IllegalArgumentException("maxBatchBytes must be >= 1, got " + maxBatchBytes);
    }
    if (spec == null && analyzers.isEmpty()) {
      throw new IllegalArgumentException("Nothing to run: no model and no analyser");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    this.spec = spec;
    this.analyzers = List.copyOf(analyzers);
    this.batchSize = spec != null ? Math.min(batchSize, spec.batchSize()) : batchSize;
    this.decodeOptions = decodeOptions;
    this.threads = threads;
    this.imagesDone = imagesDone;
    this.maxBatchBytes = maxBatchBytes;
    this.tuning = tuning;
    this.layouts = layouts;
  }

  /**
   * This inference with layout tuning as {@code tuning} says ({@link LayoutTuner.Settings#disabled()}
   * runs every batch at {@code batchSize} and the configured threads); each partition adds the
   * layout it ran with to {@code layouts} when given.
   */
  public PartitionedInference withLayoutTuning(LayoutTuner.Settings tuning, LayoutAccumulator layouts) {
    return new PartitionedInference(spec, analyzers, batchSize, decodeOptions, threads, imagesDone, maxBatchBytes, tuning, layouts);
  }

  public LayoutTuner.Settings tuning() {
    return tuning;
  }

  public long maxBatchBytes() {
    return maxBatchBytes;
  }

  /**
   * What one image costs the batch while it waits: its bytes, plus, when analysers run (they keep
   * every image's decoded pixels until all have run), 3 bytes per pixel of the header's size. With
   * a model only, each image is decoded and released in turn, so its pixels are not counted.
   * Unreadable headers count their bytes only: the decoder rejects them without allocating.
   */
  private long cost(byte[] bytes) {
    long cost = bytes.length;
    if (!analyzers.isEmpty()) {
      try {
        cost += 3 * Math.min(ImageHeader.probe(bytes).largestPixelCount(), decodeOptions.maxPixels());
      } catch (ImageDecodeException | RuntimeException e) {
        // not an image: the decoder reports it
      }
    }
    return cost;
  }

  /** The model, or null when only analysers run. */
  public ModelSpec spec() {
    return spec;
  }

  public List<AnalyzerSpec> analyzers() {
    return analyzers;
  }

  /**
   * Maps rows to outputs. {@code content} returns the row's image bytes, or null for a row that
   * has none (it is passed to {@code combine} with a null result without touching the model).
   */
  public <T, R> Iterator<R> apply(Iterator<T> rows, Function<T, byte[]> content, BiFunction<T, ImageResult, R> combine) {
    Batches<T, R> out = new Batches<T, R>() {
      private final List<T> pending = new ArrayList<>(batchSize);
      private final List<R> ready = new ArrayList<>(batchSize);
      private int next;
      private ImageInferenceRunner runner; // made on the first batch with images: the layout is measured on them
      // The runner's layout was not measured (no image of its batch decoded): the next batch with
      // images chooses again. Otherwise a partition whose first files were corrupt ran all its
      // images untuned, and which partition tuned first decided what job_runs recorded.
      private boolean undecided;

      @Override
      public void close() {
        if (runner != null) {
          runner.close();
        }
      }

      @Override
      public boolean hasNext() {
        if (next < ready.size()) {
          return true;
        }
        fill();
        return next < ready.size();
      }

      @Override
      public R next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.get(next++);
      }

      private void fill() {
        ready.clear();
        next = 0;
        pending.clear();
        List<byte[]> contents = new ArrayList<>(batchSize);
        List<Integer> withContent = new ArrayList<>(batchSize);
        // Rows without bytes (read failures) ride along, bounded so a run of them cannot pile up;
        // the byte budget cuts a batch of large images short (see maxBatchBytes).
        long held = 0;
        while (rows.hasNext() && contents.size() < batchSize && pending.size() < 4 * batchSize && held < maxBatchBytes) {
          T row = rows.next();
          pending.add(row);
          byte[] bytes = content.apply(row);
          if (bytes != null) {
            withContent.add(pending.size() - 1);
            contents.add(bytes);
            held += cost(bytes);
          }
        }
        if (pending.isEmpty()) {
          close();
          return;
        }
        if ((runner == null || undecided) && !contents.isEmpty()) {
          LayoutTuner.Choice choice = spec == null ? null : LayoutTuner.choose(spec, threads, batchSize, decodeOptions, contents, tuning);
          if (runner == null || choice == null || !choice.undecided()) {
            if (runner != null) {
              runner.close();
            }
            runner = newRunner(choice);
          }
          undecided = choice != null && choice.undecided();
        }
        List<ImageResult> results = contents.isEmpty() ? List.of() : runner.inferAll(contents);
        ImageResult[] byRow = new ImageResult[pending.size()];
        for (int i = 0; i < withContent.size(); i++) {
          byRow[withContent.get(i)] = results.get(i);
        }
        for (int i = 0; i < pending.size(); i++) {
          ready.add(combine.apply(pending.get(i), byRow[i]));
        }
        if (imagesDone != null) {
          imagesDone.add(pending.size());
        }
      }
    };
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> out.close());
    }
    return out;
  }

  /** The partition's iterator; closed at the end of the partition or of the task. */
  private interface Batches<T, R> extends Iterator<R>, AutoCloseable {
    @Override
    void close();
  }

  /**
   * A runner at {@code choice} (the tuner's pick on a batch of the partition's images; recorded in
   * {@code layouts} unless {@link LayoutTuner.Choice#undecided}), or, without a model (null), at
   * {@code batchSize} and the configured threads.
   */
  private ImageInferenceRunner newRunner(LayoutTuner.Choice choice) {
    if (choice == null) {
      return new ImageInferenceRunner(null, analyzers, decodeOptions, EngineThreads.resolve(threads, null), batchSize);
    }
    if (layouts != null && !choice.undecided()) {
      layouts.add(choice.describe(spec.name()));
    }
    return new ImageInferenceRunner(spec, analyzers, decodeOptions, choice.layout().threads(), choice.layout().batchSize());
  }

}

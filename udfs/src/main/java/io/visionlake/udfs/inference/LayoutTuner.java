package io.visionlake.udfs.inference;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.image.DecodedImage;
import io.visionlake.udfs.image.ImageDecodeException;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.model.BatchOutput;
import io.visionlake.udfs.model.EngineThreads;
import io.visionlake.udfs.model.ExecutorModelCache;
import io.visionlake.udfs.model.ImageBatch;
import io.visionlake.udfs.model.LoadedModel;
import io.visionlake.udfs.model.ModelFiles;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.model.TaskDevice;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the inference layout (images per model call and engine intra-op threads) of a model on
 * this executor by measuring it: on a model's first use in the JVM, a few batches of the
 * partition's own decoded images run through the model at each candidate layout (batch size 1, 2,
 * 4, 8, 16 up to the caller's batch size and the images at hand; threads among the divisors of the
 * task's cores), one warm-up and at most {@link #TIMED_CALLS} timed calls each (one call when calls
 * are long), within a time budget.
 * The fastest by images/s (median call) is kept per JVM, keyed by the model's weights, engine,
 * device, input size and the task's cores, and optionally written to a small JSON file in {@link
 * Settings#cacheDir()} so the next JVM on the same kind of machine reuses it without timing.
 *
 * <p>A layout changes how fast, never what: each image's output is the same (to float tolerance)
 * at any batch size or thread count. The spec's {@code layout=fixed} pins its {@code batch.size}
 * and {@code threads}; {@link Settings#disabled()} turns tuning off for a whole job. PyTorch's
 * intra-op pool is per process, so its threads are not tuned (only the batch size); neither are
 * they on a GPU.
 */
public final class LayoutTuner {
  private static final Logger LOG = LoggerFactory.getLogger(LayoutTuner.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Batch sizes measured, up to the caller's batch size and the images available. */
  static final int[] BATCH_CANDIDATES = {1, 2, 4, 8, 16};
  /**
   * Timed calls per candidate after its one warm-up (plus one warm-up per thread count at batch
   * 1); their median is the candidate's time.
   */
  static final int TIMED_CALLS = 3;
  /**
   * A call this long is timed once, without a warm-up of its own (see {@link #measure}): ResNet-50
   * on one core takes about 280 ms an image, where the rule of three timed calls and a warm-up per
   * candidate measured batch 1 alone within the budget. Not final: tests lower it.
   */
  static long LONG_CALL_NANOS = 200_000_000L;
  /** Default wall-clock budget of one tuning, model loads for other thread counts included. */
  public static final long DEFAULT_BUDGET_MILLIS = 3000;

  private static final Map<String, Choice> CHOICES = new ConcurrentHashMap<>();
  private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();
  private static final AtomicInteger MODEL_CALLS = new AtomicInteger();

  private LayoutTuner() {}

  /** Images per model call and engine intra-op threads. */
  public record Layout(int batchSize, int threads) implements Serializable {
    public Layout {
      if (batchSize < 1 || threads < 1) {
        throw new IllegalArgumentException("A layout needs batchSize >= 1 and threads >= 1, got " + batchSize + " and " + threads);
      }
    }

    @Override
    public String toString() {
      return "batch=" + batchSize + ",threads=" + threads;
    }
  }

  /**
   * Whether and how to tune: shipped to executors inside {@link PartitionedInference}.
   *
   * @param enabled false: every model runs at its spec's (or the job's) batch size and threads
   * @param cacheDir a local directory for the chosen layouts' JSON files, or null for none
   * @param budgetMillis wall-clock limit of one tuning; at least one candidate is always measured
   */
  public record Settings(boolean enabled, String cacheDir, long budgetMillis) implements Serializable {
    public Settings {
      if (budgetMillis < 1) {
        throw new IllegalArgumentException("The tuning budget must be >= 1 ms, got " + budgetMillis);
      }
      cacheDir = cacheDir == null || cacheDir.isBlank() ? null : cacheDir.trim();
    }

    public static Settings defaults() {
      return new Settings(true, null, DEFAULT_BUDGET_MILLIS);
    }

    public static Settings disabled() {
      return new Settings(false, null, DEFAULT_BUDGET_MILLIS);
    }
  }

  /**
   * What a partition runs with and why.
   *
   * @param source {@code tuned} (measured now), {@code cached} (measured earlier in this JVM),
   *     {@code file} (read from the cache dir), {@code fixed} (the spec's layout=fixed), {@code
   *     disabled} (tuning off), {@code default} (no image decoded, nothing to measure)
   * @param imagesPerSecond the measurements behind a tuned choice, by layout; empty otherwise
   * @param measuredUpTo the largest batch size the choice could consider (a later partition that
   *     can fill a larger candidate, with more images and a larger batch size, measures again)
   */
  public record Choice(Layout layout, String source, Map<String, Double> imagesPerSecond, int measuredUpTo) {
    /** For job_runs and logs: {@code name: batch=B,threads=T (source)}. */
    public String describe(String model) {
      return model + ": " + layout + " (" + source + ")";
    }

    /** Nothing was measured because no image of the batch decoded: the next batch chooses again. */
    public boolean undecided() {
      return "default".equals(source);
    }
  }

  /**
   * The layout for {@code spec} on this executor, measured on {@code images} on first use.
   *
   * @param requestedThreads an explicit thread count (the job's threads setting) which pins the
   *     threads, or 0
   * @param maxBatch the most images per call (the spec's batch size, or the job's when smaller)
   * @param images the partition's first images (encoded); at most 16 are decoded
   */
  public static Choice choose(ModelSpec spec, int requestedThreads, int maxBatch, DecodeOptions decodeOptions, List<byte[]> images,
      Settings settings) {
    Layout configured = new Layout(maxBatch, EngineThreads.resolve(requestedThreads, spec));
    if (!settings.enabled()) {
      return new Choice(configured, "disabled", Map.of(), maxBatch);
    }
    if (spec.layoutFixed()) {
      return new Choice(configured, "fixed", Map.of(), maxBatch);
    }
    if (images.isEmpty()) {
      return new Choice(configured, "default", Map.of(), 0);
    }
    int cores = taskCores();
    Device device = TaskDevice.forCurrentTask(spec.device(), spec.name());
    int limit = largestCandidate(Math.min(maxBatch, images.size())); // the largest batch this partition can measure
    String key = key(spec, requestedThreads, cores, device);
    synchronized (LOCKS.computeIfAbsent(key, k -> new Object())) {
      Choice known = CHOICES.get(key);
      if (known != null && known.measuredUpTo() >= limit) {
        return clamp(known, "cached", maxBatch);
      }
      Choice stored = settings.cacheDir() == null ? null : read(Paths.get(settings.cacheDir()), key);
      if (stored != null && stored.measuredUpTo() >= limit) {
        CHOICES.put(key, stored);
        LOG.info("Inference layout of model {} v{} ({} cores, {}): {} read from {}", spec.name(), spec.version(), cores, device,
            stored.layout(), file(Paths.get(settings.cacheDir()), key));
        return clamp(stored, "file", maxBatch);
      }
      Choice tuned = tune(spec, threadCandidates(spec, requestedThreads, configured.threads(), cores, device),
          decodeOptions, images.subList(0, limit), settings.budgetMillis());
      if (tuned == null) {
        return new Choice(configured, "default", Map.of(), 0);
      }
      CHOICES.put(key, tuned);
      String where = "";
      if (settings.cacheDir() != null) {
        Path written = write(Paths.get(settings.cacheDir()), key, tuned);
        where = written == null ? "" : "; saved to " + written;
      }
      LOG.info("Inference layout of model {} v{} ({}, {} cores, {}): {}, the fastest of {} measured on {} image(s) (images/s: {}){}",
          spec.name(), spec.version(), spec.engine(), cores, device, tuned.layout(), tuned.imagesPerSecond().size(), tuned.measuredUpTo(),
          rates(tuned.imagesPerSecond()), where);
      return clamp(tuned, "tuned", maxBatch);
    }
  }

  /** Model calls made to time layouts in this JVM, warm-ups included (tests: a cached layout makes none). */
  public static int timedCalls() {
    return MODEL_CALLS.get();
  }

  /** Forgets every choice made or read in this JVM (tests); the files stay. */
  public static void forget() {
    CHOICES.clear();
  }

  private static Choice clamp(Choice c, String source, int maxBatch) {
    return new Choice(new Layout(Math.min(c.layout().batchSize(), maxBatch), c.layout().threads()), source, c.imagesPerSecond(),
        c.measuredUpTo());
  }

  /**
   * Threads measured: only the configured count when threads are pinned (an explicit setting), on
   * PyTorch (one intra-op pool per process, shared by concurrent tasks) and on a GPU; otherwise
   * the configured count first, then the other divisors of the task's cores.
   */
  static List<Integer> threadCandidates(ModelSpec spec, int requestedThreads, int configured, int cores, Device device) {
    List<Integer> out = new ArrayList<>(List.of(configured));
    if (requestedThreads > 0 || ModelSpec.ENGINE_PYTORCH.equals(spec.engine()) || !Device.Type.CPU.equals(device.getDeviceType())) {
      return out;
    }
    for (int t = 1; t <= cores; t++) {
      if (cores % t == 0 && t != configured) {
        out.add(t);
      }
    }
    return out;
  }

  /** The cache key: the weights (sha256, else uri and size), engine, device, input size, cores and pinned threads. */
  static String key(ModelSpec spec, int requestedThreads, int cores, Device device) {
    String weights = spec.sha256() != null ? "sha256=" + spec.sha256() : "uri=" + spec.modelUri() + ",bytes=" + localSize(spec.modelUri());
    return weights + ";engine=" + spec.engine() + ";device=" + device + ";input=" + spec.inputWidth() + "x" + spec.inputHeight()
        + "x" + spec.colorOrder().channels() + ";cores=" + cores + (requestedThreads > 0 ? ";threads=" + requestedThreads : "");
  }

  private static long localSize(String uri) {
    try {
      Path p = uri.startsWith("file:") ? Paths.get(URI.create(uri)) : uri.contains(":") ? null : Paths.get(uri);
      return p != null && Files.isRegularFile(p) ? Files.size(p) : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static int taskCores() {
    TaskContext task = TaskContext.get();
    return task != null ? Math.max(1, task.cpus()) : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** Measures every candidate within the budget; null when no image decodes or no candidate runs. */
  private static Choice tune(ModelSpec spec, List<Integer> threads, DecodeOptions decodeOptions, List<byte[]> images,
      long budgetMillis) {
    long start = System.nanoTime();
    long deadline = start + budgetMillis * 1_000_000L;
    ImageBatch all = preprocess(spec, decodeOptions, images);
    if (all.size() == 0) {
      return null;
    }
    Map<Layout, Double> measured = new LinkedHashMap<>();
    Layout best = null;
    LoadedModel kept = null; // the detached load of the best thread count so far, handed to the cache at the end
    for (int t : threads) {
      if (best != null && System.nanoTime() > deadline) {
        break;
      }
      LoadedModel model = ExecutorModelCache.cached(spec, t);
      boolean owned = model == null;
      if (owned) {
        model = ExecutorModelCache.loadDetached(spec, t);
      }
      boolean improved = false;
      try {
        Predictor<ImageBatch, BatchOutput> predictor = model.embedsWithGraph() ? null : model.newPredictor();
        try {
          // A fresh model's first call pays for allocations and code paths the next calls reuse: one
          // call at batch 1 first, so it is not charged to the first candidate (at the largest
          // batch, a heavy model's warm-up alone would spend the budget).
          warmUp(model, predictor, slice(all, 1));
          long perImageNanos = 0; // the last candidate's time per image at this thread count
          for (int b : BATCH_CANDIDATES) {
            if (b > all.size()) {
              break;
            }
            boolean longCalls = perImageNanos * b >= LONG_CALL_NANOS;
            // A candidate may end past the deadline by half the budget at most: the predicted end
            // of its calls decides, so a heavy model's next batch size is not started to run for
            // many seconds, and a light one's are all measured.
            long predicted = perImageNanos * b * (longCalls ? 1 : 1 + TIMED_CALLS);
            if (best != null && System.nanoTime() + predicted > deadline + budgetMillis * 500_000L) {
              break;
            }
            Long nanosPerCall = measure(model, predictor, slice(all, b), deadline, !longCalls);
            if (nanosPerCall == null) {
              break; // the engine rejects this batch size: larger ones are not tried either
            }
            perImageNanos = nanosPerCall / b;
            Layout layout = new Layout(b, t);
            double rate = b * 1e9 / nanosPerCall;
            measured.put(layout, rate);
            if (best == null || rate > measured.get(best)) {
              best = layout;
              improved = true;
            }
          }
        } finally {
          if (predictor != null) {
            predictor.close();
          }
        }
      } catch (RuntimeException | Error e) {
        if (owned) {
          model.close();
        }
        if (kept != null) {
          kept.close();
        }
        throw e;
      }
      if (improved) {
        if (kept != null) {
          kept.close();
        }
        kept = owned ? model : null;
      } else if (owned) {
        model.close();
      }
    }
    if (kept != null) {
      ExecutorModelCache.offer(spec, best.threads(), kept); // the runner gets it from the cache: no second load
    }
    if (best == null) {
      return null;
    }
    Map<String, Double> rates = new LinkedHashMap<>();
    measured.forEach((l, r) -> rates.put(l.toString(), r));
    LOG.debug("Tuned model {} in {} ms", spec.name(), (System.nanoTime() - start) / 1_000_000);
    return new Choice(best, "tuned", Collections.unmodifiableMap(rates), images.size());
  }

  private static int largestCandidate(int images) {
    int largest = BATCH_CANDIDATES[0];
    for (int b : BATCH_CANDIDATES) {
      if (b <= images) {
        largest = b;
      }
    }
    return largest;
  }

  private static void warmUp(LoadedModel model, Predictor<ImageBatch, BatchOutput> predictor, ImageBatch batch) {
    try {
      call(model, predictor, batch);
    } catch (Exception e) {
      // the candidates find out which batch sizes the engine takes
    }
  }

  /**
   * The median nanoseconds of up to {@link #TIMED_CALLS} timed calls, after one warm-up when
   * {@code warmUp}; null if the call fails. Calls of {@link #LONG_CALL_NANOS} or more (a heavy model) are timed
   * once and skip the warm-up: a new batch shape's first-call cost is milliseconds, small next to
   * such a call, and every call more would spend the budget on what is already known.
   */
  private static Long measure(LoadedModel model, Predictor<ImageBatch, BatchOutput> predictor, ImageBatch batch, long deadline,
      boolean warmUp) {
    long[] nanos = new long[TIMED_CALLS];
    int n = 0;
    try {
      if (warmUp) {
        call(model, predictor, batch);
      }
      for (; n < TIMED_CALLS; n++) {
        if (n > 0 && (System.nanoTime() > deadline || nanos[n - 1] >= LONG_CALL_NANOS)) {
          break;
        }
        long t0 = System.nanoTime();
        call(model, predictor, batch);
        nanos[n] = Math.max(1, System.nanoTime() - t0);
      }
    } catch (Exception e) {
      LOG.debug("Model {} cannot run a batch of {}: {}", model.spec().name(), batch.size(), e.toString());
      return null;
    }
    long[] done = Arrays.copyOf(nanos, n);
    Arrays.sort(done);
    return done[done.length / 2];
  }

  private static void call(LoadedModel model, Predictor<ImageBatch, BatchOutput> predictor, ImageBatch batch) throws Exception {
    MODEL_CALLS.incrementAndGet();
    if (predictor == null) {
      model.embedWithGraph(batch);
    } else {
      predictor.predict(batch);
    }
  }

  /** The images decoded and preprocessed as the runner does; undecodable ones are left out. */
  private static ImageBatch preprocess(ModelSpec spec, DecodeOptions decodeOptions, List<byte[]> images) {
    ImagePreprocessor preprocessor = new ImagePreprocessor(spec);
    ImageDecoder decoder = new ImageDecoder(decodeOptions);
    ImageBatch all = new ImageBatch(Math.max(1, images.size()), spec.colorOrder().channels(), spec.inputHeight(), spec.inputWidth());
    for (byte[] bytes : images) {
      try (DecodedImage image = decoder.decode(bytes, preprocessor.minDecodeWidth(), preprocessor.minDecodeHeight())) {
        preprocessor.write(image.mat(), all);
      } catch (ImageDecodeException | RuntimeException e) {
        // the runner reports it as that image's failure
      }
    }
    return all;
  }

  private static ImageBatch slice(ImageBatch all, int n) {
    ImageBatch b = new ImageBatch(n, all.channels(), all.height(), all.width());
    System.arraycopy(all.data(), 0, b.data(), 0, n * all.imageLength());
    for (int i = 0; i < n; i++) {
      b.commit();
    }
    return b;
  }

  private static String rates(Map<String, Double> rates) {
    List<String> out = new ArrayList<>();
    rates.forEach((l, r) -> out.add(String.format(Locale.ROOT, "%s %.1f", l, r)));
    return String.join(", ", out);
  }

  /** The JSON file of {@code key} in {@code dir}: one per model and machine shape. */
  static Path file(Path dir, String key) {
    return dir.resolve("layout-" + ModelFiles.sha256Hex(key.getBytes(StandardCharsets.UTF_8)).substring(0, 16) + ".json");
  }

  private static Choice read(Path dir, String key) {
    Path f = file(dir, key);
    if (!Files.isRegularFile(f)) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(f.toFile());
      if (!key.equals(n.path("key").asText())) {
        return null;
      }
      Map<String, Double> rates = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.path("imagesPerSecond").fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> e = it.next();
        rates.put(e.getKey(), e.getValue().asDouble());
      }
      return new Choice(new Layout(n.path("batchSize").asInt(), n.path("threads").asInt()), "file", Collections.unmodifiableMap(rates),
          n.path("measuredUpTo").asInt());
    } catch (IOException | RuntimeException e) {
      LOG.warn("Ignoring unreadable layout file {}: {}", f, e.toString());
      return null;
    }
  }

  /** Writes the choice (to a temporary file, then moved, so a concurrent reader never sees half); null when it cannot. */
  private static Path write(Path dir, String key, Choice choice) {
    Path f = file(dir, key);
    try {
      Files.createDirectories(dir);
      ObjectNode n = JSON.createObjectNode();
      n.put("key", key);
      n.put("batchSize", choice.layout().batchSize());
      n.put("threads", choice.layout().threads());
      n.put("measuredUpTo", choice.measuredUpTo());
      ObjectNode rates = n.putObject("imagesPerSecond");
      choice.imagesPerSecond().forEach(rates::put);
      Path tmp = Files.createTempFile(dir, "layout-", ".tmp");
      Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
      return Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot save the inference layout to {}: {}", f, e.toString());
      return null;
    }
  }
}

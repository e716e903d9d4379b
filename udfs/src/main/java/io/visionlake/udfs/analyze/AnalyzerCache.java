package io.visionlake.udfs.analyze;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-JVM cache of analyser state (HOG descriptors, Haar cascades), the counterpart of {@code
 * ExecutorModelCache}: built once per executor thread and key, reused by every later task. OpenCV
 * detectors keep scratch buffers, so each task thread gets its own instance rather than sharing
 * one under a lock; Spark reuses its task threads, so loads stay at a handful per executor.
 */
public final class AnalyzerCache {
  private static final Logger LOG = LoggerFactory.getLogger(AnalyzerCache.class);
  private static final Map<String, Object> STATE = new ConcurrentHashMap<>();
  private static final Map<String, Object> SHARED = new ConcurrentHashMap<>();
  private static final AtomicInteger LOADS = new AtomicInteger();

  private AnalyzerCache() {}

  /** The state for {@code key} on this thread, built with {@code loader} on first use. */
  @SuppressWarnings("unchecked")
  public static <T> T get(String key, Supplier<T> loader) {
    String threadKey = key + "@" + Thread.currentThread().getId();
    return (T) STATE.computeIfAbsent(threadKey, k -> {
      long start = System.nanoTime();
      T value = loader.get();
      LOG.info("Loaded analyser state {} in {} ms on thread {}; analyser loads in this JVM: {}", key,
          (System.nanoTime() - start) / 1_000_000, Thread.currentThread().getName(), LOADS.incrementAndGet());
      return value;
    });
  }

  /**
   * Thread-safe state for {@code key} (e.g. TensorFlow sessions, which accept concurrent runs),
   * built once per JVM with {@code loader}; concurrent first users wait for that one load.
   */
  @SuppressWarnings("unchecked")
  public static <T> T shared(String key, Supplier<T> loader) {
    return (T) SHARED.computeIfAbsent(key, k -> {
      long start = System.nanoTime();
      T value = loader.get();
      LOG.info("Loaded shared analyser state {} in {} ms; analyser loads in this JVM: {}", key,
          (System.nanoTime() - start) / 1_000_000, LOADS.incrementAndGet());
      return value;
    });
  }

  /** How many analyser states this JVM has built (a metric for tests). */
  public static int loadCount() {
    return LOADS.get();
  }
}

package io.visionlake.udfs.model;

import ai.djl.Device;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model per {@link ModelSpec}, device and intra-op thread count per JVM (the device is the task's GPU when
 * Spark assigned one, see {@link TaskDevice}; otherwise the CPU): the first task on an executor that needs a model
 * loads it, concurrent tasks wait for that load, later tasks reuse it. Models are closed when the
 * JVM exits. Mirrors Iceberg's {@code SparkExecutorCache}: a process-wide singleton, never sent
 * over the wire.
 */
public final class ExecutorModelCache {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorModelCache.class);
  private static final Map<Key, LoadedModel> MODELS = new ConcurrentHashMap<>();
  private static final AtomicInteger LOADS = new AtomicInteger();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModelCache::closeAll, "visionlake-model-cache-close"));
  }

  private ExecutorModelCache() {}

  /**
   * The model for {@code spec} on the current task's device, loading it on first use with {@code
   * threads} intra-op threads.
   */
  public static LoadedModel get(ModelSpec spec, int threads) {
    Device device = TaskDevice.forCurrentTask(spec.device(), spec.name());
    return MODELS.computeIfAbsent(new Key(spec, device.toString(), threads), k -> load(spec, threads, device, ""));
  }

  /** The model for {@code spec} with {@code threads} on the current task's device if this JVM has it loaded, else null. */
  public static LoadedModel cached(ModelSpec spec, int threads) {
    return MODELS.get(new Key(spec, TaskDevice.forCurrentTask(spec.device(), spec.name()).toString(), threads));
  }

  /**
   * A load outside the cache, owned (and closed) by the caller: the {@code LayoutTuner} measures
   * thread counts with these and hands the one it keeps to {@link #offer}. Counted in {@link #loadCount()}.
   */
  public static LoadedModel loadDetached(ModelSpec spec, int threads) {
    return load(spec, threads, TaskDevice.forCurrentTask(spec.device(), spec.name()), " (to measure a layout)");
  }

  /**
   * Caches {@code model} (a {@link #loadDetached} of {@code spec} with {@code threads}) unless a
   * model is cached for that key already, in which case {@code model} is closed. Returns the cached one.
   */
  public static LoadedModel offer(ModelSpec spec, int threads, LoadedModel model) {
    Key key = new Key(spec, TaskDevice.forCurrentTask(spec.device(), spec.name()).toString(), threads);
    LoadedModel cached = MODELS.putIfAbsent(key, model);
    if (cached != null && cached != model) {
      model.close();
      return cached;
    }
    return model;
  }

  private static LoadedModel load(ModelSpec spec, int threads, Device device, String how) {
    LoadedModel model = LoadedModel.load(spec, hadoopConf(), threads, device);
    int loads = LOADS.incrementAndGet();
    LOG.info("Loaded model {} v{} ({}, sha256 {}) in {} ms with {} intra-op thread(s) on {} on executor {}; model loads in this JVM: {}{}",
        spec.name(), spec.version(), spec.engine(), model.sha256().substring(0, 12), model.loadMillis(), threads, device,
        executorId(), loads, how);
    return model;
  }

  /** A cache entry: one spec on one device with one intra-op thread count (engines fix it at load). */
  private static final class Key {
    final ModelSpec spec;
    final String device;
    final int threads;

    Key(ModelSpec spec, String device, int threads) {
      this.spec = spec;
      this.device = device;
      this.threads = threads;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key && ((Key) o).spec.equals(spec) && ((Key) o).device.equals(device) && ((Key) o).threads == threads;
    }

    @Override
    public int hashCode() {
      return (31 * spec.hashCode() + device.hashCode()) * 31 + threads;
    }
  }

  /** How many models this JVM has loaded since start (a metric for tests and benchmarks). */
  public static int loadCount() {
    return LOADS.get();
  }

  /** Closes and forgets every model; the next {@link #get} loads again. */
  public static synchronized void closeAll() {
    MODELS.values().forEach(m -> {
      try {
        m.close();
      } catch (RuntimeException e) {
        LOG.warn("Closing model {} failed", m.spec().name(), e);
      }
    });
    MODELS.clear();
  }

  private static Configuration hadoopConf() {
    SparkEnv env = SparkEnv.get();
    return env == null ? new Configuration() : SparkHadoopUtil.get().newConfiguration(env.conf());
  }

  private static String executorId() {
    SparkEnv env = SparkEnv.get();
    return env == null ? "none" : env.executorId();
  }
}

package io.visionlake.jobs.conf;

import java.util.Map;

/** Keys and code defaults of {@code spark.visionlake.*} settings; each documented in README. */
public final class JobOptions {
  public static final String PREFIX = "spark.visionlake.";

  /** Model name (conf/models/NAME.properties) or path to a spec file. */
  public static final String MODEL = PREFIX + "model";
  public static final String MODEL_DEFAULT = "fashion-cnn";

  /** Images per inference call; empty means the model spec's batch.size. */
  public static final String BATCH_SIZE = PREFIX + "batchSize";

  /** Engine intra-op threads per task; 0 means spark.task.cpus. */
  public static final String THREADS = PREFIX + "threads";

  /**
   * Whether each executor measures a model's fastest layout (images per call up to the batch size,
   * engine threads) on its first partition ({@code LayoutTuner}); false runs every model at its
   * batch size and threads as configured. A spec's {@code layout=fixed} opts one model out.
   */
  public static final String AUTOTUNE = PREFIX + "inference.autotune";
  public static final String AUTOTUNE_DEFAULT = "true";

  /** A local folder where executors keep the layouts they measured (one small JSON file each); empty: none. */
  public static final String AUTOTUNE_DIR = PREFIX + "inference.autotuneDir";

  /** Wall-clock budget of one layout measurement, in milliseconds. */
  public static final String AUTOTUNE_BUDGET_MS = PREFIX + "inference.autotuneBudgetMs";
  public static final String AUTOTUNE_BUDGET_MS_DEFAULT = "3000";

  /** Images whose header claims more pixels are quarantined before decoding. */
  public static final String MAX_PIXELS = PREFIX + "decode.maxPixels";
  public static final String MAX_PIXELS_DEFAULT = "100000000";

  /** Files larger than this are quarantined at the read stage without being read. */
  public static final String MAX_FILE_BYTES = PREFIX + "read.maxFileBytes";
  public static final String MAX_FILE_BYTES_DEFAULT = "268435456";

  /**
   * Per task: a batch is cut early once its images' bytes, plus the decoded pixels analysers hold
   * (3 bytes a pixel), reach this; bounds memory by task slots x this, not batchSize x largest image.
   */
  public static final String MAX_BATCH_BYTES = PREFIX + "batch.maxBytes";
  public static final String MAX_BATCH_BYTES_DEFAULT = "268435456";

  /** Target number of files per inference partition. */
  public static final String FILES_PER_PARTITION = PREFIX + "filesPerPartition";
  public static final String FILES_PER_PARTITION_DEFAULT = "1024";

  /**
   * Where the scored rows are kept between the counting pass and the Delta writes: DISK_ONLY keeps
   * executor memory flat in the input size; MEMORY_AND_DISK trades memory for a little speed.
   */
  public static final String RESULTS_STORAGE_LEVEL = PREFIX + "results.storageLevel";
  public static final String RESULTS_STORAGE_LEVEL_DEFAULT = "DISK_ONLY";

  /** Seconds between progress lines; 0 disables them. */
  public static final String PROGRESS_SECONDS = PREFIX + "progress.intervalSeconds";
  public static final String PROGRESS_SECONDS_DEFAULT = "5";

  /** Streams: most files (landing dir) or records (Kafka) per micro-batch. */
  public static final String STREAM_MAX_PER_TRIGGER = PREFIX + "stream.maxPerTrigger";
  public static final String STREAM_MAX_PER_TRIGGER_DEFAULT = "100";

  /** Streams: frames per analyser batch when no model sets it. */
  public static final String STREAM_BATCH_SIZE = PREFIX + "stream.batchSize";
  public static final String STREAM_BATCH_SIZE_DEFAULT = "8";

  /**
   * Streams: how far beyond the driver's clock a capture time may be (a duration: 30s, 10m, 1h)
   * before the frame is a {@code ClockSkew} error instead of a frame.
   */
  public static final String STREAM_MAX_CLOCK_SKEW = PREFIX + "stream.maxClockSkew";
  public static final String STREAM_MAX_CLOCK_SKEW_DEFAULT = "10m";

  /**
   * Batch job: images per batch when analysers (ocr, colors, faces, people) run, unless batchSize
   * is set; each batch's decoded pixels stay in memory until every analyser has read them.
   */
  public static final String ANALYZERS_BATCH_SIZE = PREFIX + "analyzers.batchSize";
  public static final String ANALYZERS_BATCH_SIZE_DEFAULT = "16";

  /**
   * Streams: seconds between appends of the buffered {@code stream_metrics} rows (and at the end of
   * the query); 0 appends each batch's row at the start of the next batch, a Delta commit each.
   */
  public static final String STREAM_METRICS_INTERVAL = PREFIX + "stream.metricsIntervalSeconds";
  public static final String STREAM_METRICS_INTERVAL_DEFAULT = "60";

  /** Attempts of a Delta commit that conflicts with a concurrent writer (backfill vs. a stream). */
  public static final String COMMIT_ATTEMPTS = PREFIX + "commit.attempts";
  public static final String COMMIT_ATTEMPTS_DEFAULT = "8";

  /** VACUUM retention of {@code scripts/submit maintain} when --vacuum-hours is not given. */
  public static final String VACUUM_HOURS = PREFIX + "maintain.vacuumHours";
  public static final String VACUUM_HOURS_DEFAULT = "168";
  /** Age (minutes) from which maintain compacts a stream-rewritten table's files. */
  public static final String SETTLED_MINUTES = PREFIX + "maintain.settledMinutes";
  public static final String SETTLED_MINUTES_DEFAULT = "10";

  static final Map<String, String> DEFAULTS = Map.ofEntries(
      Map.entry(COMMIT_ATTEMPTS, COMMIT_ATTEMPTS_DEFAULT),
      Map.entry(VACUUM_HOURS, VACUUM_HOURS_DEFAULT),
      Map.entry(SETTLED_MINUTES, SETTLED_MINUTES_DEFAULT),
      Map.entry(MODEL, MODEL_DEFAULT),
      Map.entry(BATCH_SIZE, ""),
      Map.entry(THREADS, "0"),
      Map.entry(AUTOTUNE, AUTOTUNE_DEFAULT),
      Map.entry(AUTOTUNE_DIR, ""),
      Map.entry(AUTOTUNE_BUDGET_MS, AUTOTUNE_BUDGET_MS_DEFAULT),
      Map.entry(MAX_PIXELS, MAX_PIXELS_DEFAULT),
      Map.entry(MAX_FILE_BYTES, MAX_FILE_BYTES_DEFAULT),
      Map.entry(MAX_BATCH_BYTES, MAX_BATCH_BYTES_DEFAULT),
      Map.entry(FILES_PER_PARTITION, FILES_PER_PARTITION_DEFAULT),
      Map.entry(RESULTS_STORAGE_LEVEL, RESULTS_STORAGE_LEVEL_DEFAULT),
      Map.entry(PROGRESS_SECONDS, PROGRESS_SECONDS_DEFAULT),
      Map.entry(STREAM_MAX_PER_TRIGGER, STREAM_MAX_PER_TRIGGER_DEFAULT),
      Map.entry(STREAM_BATCH_SIZE, STREAM_BATCH_SIZE_DEFAULT),
      Map.entry(STREAM_MAX_CLOCK_SKEW, STREAM_MAX_CLOCK_SKEW_DEFAULT),
      Map.entry(STREAM_METRICS_INTERVAL, STREAM_METRICS_INTERVAL_DEFAULT),
      Map.entry(ANALYZERS_BATCH_SIZE, ANALYZERS_BATCH_SIZE_DEFAULT));

  private JobOptions() {}
}

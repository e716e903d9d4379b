package io.visionlake.jobs.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * The console progress bar of the file jobs: images done out of the total (an accumulator the
 * executors add to per inference batch, so it moves in batch-sized steps), images/s, ETA, and the
 * stages and tasks Spark finished, counted by a {@link SparkListener} registered for the
 * reporter's lifetime. On a terminal the bar redraws in place; otherwise (logs, CI) it prints one
 * line every interval. Quiet (or an interval of 0) prints nothing; {@link #finish()} prints the
 * final state once.
 */
public final class ProgressReporter extends SparkListener implements AutoCloseable {
  private static final int BAR_WIDTH = 24;

  private final SparkSession spark;
  private final String label;
  private final LongAccumulator done;
  private final long total;
  private final boolean quiet;
  private final int intervalSeconds;
  private final boolean terminal;
  private final PrintStream out;
  private final long start = System.nanoTime();
  private final AtomicInteger stagesSubmitted = new AtomicInteger();
  private final AtomicInteger stagesDone = new AtomicInteger();
  private final AtomicLong tasksSubmitted = new AtomicLong();
  private final AtomicLong tasksDone = new AtomicLong();
  private final Thread thread;
  private volatile Supplier<String> extra = () -> "";
  private volatile boolean running = true;
  private boolean finished;

  public ProgressReporter(SparkSession spark, String label, LongAccumulator done, long total, int intervalSeconds) {
    this(spark, label, done, total, intervalSeconds, false);
  }

  public ProgressReporter(SparkSession spark, String label, LongAccumulator done, long total, int intervalSeconds, boolean quiet) {
    this.spark = spark;
    this.label = label;
    this.done = done;
    this.total = total;
    this.quiet = quiet;
    this.intervalSeconds = intervalSeconds;
    this.terminal = System.console() != null;
    this.out = System.err;
    spark.sparkContext().addSparkListener(this);
    this.thread = new Thread(() -> {
      while (running && intervalSeconds > 0 && !quiet) {
        try {
          Thread.sleep(intervalSeconds * 1000L);
        } catch (InterruptedException e) {
          return;
        }
        if (running) {
          print(false);
        }
      }
    }, "visionlake-progress");
    thread.setDaemon(true);
    thread.start();
  }

  /** Text appended to the bar, e.g. the backfill's days done. */
  public ProgressReporter extra(Supplier<String> extra) {
    this.extra = extra;
    return this;
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted event) {
    stagesSubmitted.incrementAndGet();
    tasksSubmitted.addAndGet(event.stageInfo().numTasks());
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted event) {
    stagesDone.incrementAndGet();
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    tasksDone.incrementAndGet();
  }

  public long tasksDone() {
    return tasksDone.get();
  }

  public int stagesDone() {
    return stagesDone.get();
  }

  /** The bar as it would print now. */
  String line() {
    long n = Math.min(done.value(), total);
    double seconds = (System.nanoTime() - start) / 1e9;
    double rate = n / Math.max(seconds, 1e-3);
    double fraction = total == 0 ? 1.0 : (double) n / total;
    int filled = (int) Math.round(fraction * BAR_WIDTH);
    String eta = n == 0 ? "?" : n >= total ? "0s" : String.format(Locale.ROOT, "%.0fs", (total - n) / Math.max(rate, 1e-9));
    return String.format(Locale.ROOT, "[%s] [%s%s] %5.1f%% %,d/%,d images · %.1f img/s · ETA %s · stages %d/%d · tasks %,d/%,d%s",
        label, "#".repeat(filled), ".".repeat(BAR_WIDTH - filled), 100.0 * fraction, n, total, rate, eta,
        stagesDone.get(), stagesSubmitted.get(), tasksDone.get(), tasksSubmitted.get(), extra.get());
  }

  private synchronized void print(boolean last) {
    if (quiet || finished || intervalSeconds <= 0) {
      return;
    }
    if (terminal) {
      out.print("\r" + line() + (last ? System.lineSeparator() : ""));
    } else {
      out.println(line());
    }
    out.flush();
    finished = last;
  }

  /** Prints the final state of the bar (once); the job prints its summary after it. */
  public void finish() {
    try {
      spark.sparkContext().listenerBus().waitUntilEmpty(); // listener events arrive asynchronously
    } catch (java.util.concurrent.TimeoutException e) {
      // the counts may miss the last events; nothing depends on them
    }
    print(true);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    spark.sparkContext().removeSparkListener(this);
  }
}

package io.visionlake.jobs;

import java.util.Locale;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * Prints one progress line every few seconds while a job runs: images done out of the total,
 * rate, ETA and the running stage's tasks. Reads an accumulator the executors add to per batch
 * (the driver sees it as tasks finish, so it moves in task-sized steps).
 */
final class ProgressReporter implements AutoCloseable {
  private final Thread thread;
  private volatile boolean running = true;

  ProgressReporter(SparkSession spark, String label, LongAccumulator done, long total, int intervalSeconds) {
    long start = System.nanoTime();
    SparkStatusTracker tracker = spark.sparkContext().statusTracker();
    this.thread = new Thread(() -> {
      while (running && intervalSeconds > 0) {
        try {
          Thread.sleep(intervalSeconds * 1000L);
        } catch (InterruptedException e) {
          return;
        }
        if (!running) {
          return;
        }
        long n = done.value();
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = n / Math.max(seconds, 1e-3);
        String eta = n == 0 ? "?" : String.format(Locale.ROOT, "%.0fs", (total - n) / Math.max(rate, 1e-9));
        System.err.println(String.format(Locale.ROOT, "[%s] %,d/%,d images (%.1f%%) · %.1f img/s · ETA %s%s",
            label, n, total, total == 0 ? 100.0 : 100.0 * n / total, rate, eta, stageText(tracker)));
      }
    }, "visionlake-progress");
    thread.setDaemon(true);
    thread.start();
  }

  private static String stageText(SparkStatusTracker tracker) {
    StringBuilder sb = new StringBuilder();
    for (int id : tracker.getActiveStageIds()) {
      scala.Option<SparkStageInfo> info = tracker.getStageInfo(id);
      if (info.isDefined()) {
        SparkStageInfo s = info.get();
        sb.append(String.format(Locale.ROOT, " · stage %d tasks %d/%d", id, s.numCompletedTasks(), s.numTasks()));
      }
    }
    return sb.toString();
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}

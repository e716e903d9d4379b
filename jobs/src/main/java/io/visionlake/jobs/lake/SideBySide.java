package io.visionlake.jobs.lake;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;

/**
 * Writes to different tables run side by side on the driver: a stream micro-batch's commits, the
 * tables of one {@code maintain} run.
 *
 * <p>Each write is a commit to its own table; where it must happen once it carries its own Delta
 * transaction id (a micro-batch's appends and windows), so exactly-once does not depend on the
 * order of the writes: a replay skips every table the first attempt reached, whichever those were.
 * A small commit is mostly driver work (planning, Delta's log and snapshot bookkeeping, a one-task
 * Spark job) and file-system waits, so on a 2-core driver several side by side take less than the
 * sum of them in a row.
 *
 * <p>A failed write lets the others finish (none goes on behind a failed run), then its error is
 * thrown with the others' suppressed. The threads are made per use so they inherit the caller's
 * Spark local properties (its job group, for the UI and cancellation) as they are at submission.
 */
public final class SideBySide implements AutoCloseable {
  private final SparkSession spark;
  private final ExecutorService pool;
  private final List<Future<?>> submitted = new ArrayList<>();
  /** Each write's own time (ms) by name, for a log line. */
  private final Map<String, Long> millis = new ConcurrentSkipListMap<>();

  /** {@code threads} writes at a time, on threads named after {@code what}. */
  public SideBySide(SparkSession spark, String what, int threads) {
    this.spark = spark;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "visionlake-writes-" + what + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts {@code write} (named for the log) on a thread of its own; {@link #get} or {@link #awaitAll} collect it. */
  public <T> Future<T> submit(String name, Callable<T> write) {
    Future<T> f = pool.submit(() -> {
      SparkSession.setActiveSession(spark);
      long t0 = System.nanoTime();
      try {
        return write.call();
      } finally {
        millis.merge(name, (System.nanoTime() - t0) / 1_000_000, Long::sum);
      }
    });
    submitted.add(f);
    return f;
  }

  /** Starts {@code write} with no result. */
  public void run(String name, Runnable write) {
    submit(name, () -> {
      write.run();
      return null;
    });
  }

  /**
   * The result of one write. When it failed, the others are waited for first (no write goes on
   * behind a failure) and the first failure is thrown.
   */
  public <T> T get(Future<T> write) {
    try {
      return write.get();
    } catch (ExecutionException e) {
      awaitAll();
      throw rethrow(e.getCause()); // awaitAll threw already; kept for the compiler
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while writes ran side by side", e);
    }
  }

  /** Waits for every write submitted; throws the first failure, with the others suppressed. */
  public void awaitAll() {
    RuntimeException first = null;
    Error fatal = null;
    for (Future<?> f : submitted) {
      try {
        f.get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Error err && fatal == null) {
          fatal = err;
        } else if (first == null) {
          first = rethrow(cause);
        } else {
          first.addSuppressed(cause);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while writes ran side by side", e);
      }
    }
    if (fatal != null) {
      throw fatal;
    }
    if (first != null) {
      throw first;
    }
  }

  /** Each write's own time in ms (they overlap: their sum exceeds the wall time). */
  public Map<String, Long> millis() {
    return millis;
  }

  /**
   * Waits for writes still running (a caller failing elsewhere leaves none going on behind it:
   * an interrupted commit could leave its files half written) and releases the threads.
   */
  @Override
  public void close() {
    pool.shutdown();
    try {
      while (!pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
        // a commit retrying on conflict can take a while; it ends or fails on its own
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static RuntimeException rethrow(Throwable cause) {
    if (cause instanceof RuntimeException r) {
      return r;
    }
    if (cause instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(cause.getMessage(), cause);
  }
}

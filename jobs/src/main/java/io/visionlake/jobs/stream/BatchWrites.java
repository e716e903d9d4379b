package io.visionlake.jobs.stream;

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
 * One micro-batch's writes to different tables, run side by side on the driver.
 *
 * <p>Each write is a commit to its own table carrying the batch's Delta transaction id (or, for
 * the windows' tables, its {@code SetTransaction}), so exactly-once does not depend on their order:
 * a replay skips every table the first attempt reached, whichever those were. A small commit is
 * mostly driver work (planning, Delta's log and snapshot bookkeeping, a one-task Spark job) and
 * file-system waits, so on a 2-core driver several commits side by side take little more than the
 * longest of them, where in a row they took the sum (about 0.7-0.9 s each).
 *
 * <p>The threads are made per batch so they inherit the batch's Spark local properties (its job
 * group, for the UI and cancellation) as they are at submission.
 */
final class BatchWrites implements AutoCloseable {
  /** Enough for every table a batch writes at once; more would only queue on the driver's cores. */
  static final int THREADS = 4;

  private final SparkSession spark;
  private final ExecutorService pool;
  private final List<Future<?>> submitted = new ArrayList<>();
  /** Each write's own time (ms) by name, for the batch's log line. */
  private final Map<String, Long> millis = new ConcurrentSkipListMap<>();

  BatchWrites(SparkSession spark, String what) {
    this.spark = spark;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "visionlake-writes-" + what + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts {@code write} (named for the log) on a thread of its own; {@link #get} or {@link #awaitAll} collect it. */
  <T> Future<T> submit(String name, Callable<T> write) {
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
  void run(String name, Runnable write) {
    submit(name, () -> {
      write.run();
      return null;
    });
  }

  /**
   * The result of one write. When it failed, the others are waited for first (no write goes on
   * behind a failed batch) and the first failure is thrown.
   */
  <T> T get(Future<T> write) {
    try {
      return write.get();
    } catch (ExecutionException e) {
      awaitAll();
      throw rethrow(e.getCause()); // awaitAll threw already; kept for the compiler
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while a micro-batch's writes ran", e);
    }
  }

  /** Waits for every write submitted; throws the first failure, with the others suppressed. */
  void awaitAll() {
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
        throw new IllegalStateException("Interrupted while a micro-batch's writes ran", e);
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
  Map<String, Long> millis() {
    return millis;
  }

  /**
   * Waits for writes still running (a batch failing elsewhere leaves none going on behind it:
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

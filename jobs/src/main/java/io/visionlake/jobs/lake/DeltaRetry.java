package io.visionlake.jobs.lake;

import io.delta.exceptions.DeltaConcurrentModificationException;
import io.visionlake.jobs.conf.JobOptions;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a Delta commit that lost a race with a concurrent writer (a stream's micro-batch, another
 * day of the same backfill). Delta's optimistic concurrency rejects the losing commit without
 * writing anything visible, so re-running the whole write (which re-reads the table) is safe.
 */
public final class DeltaRetry {
  private static final Logger LOG = LoggerFactory.getLogger(DeltaRetry.class);

  private DeltaRetry() {}

  public static <T> T onConflict(String what, int attempts, Supplier<T> write) {
    for (int attempt = 1; ; attempt++) {
      try {
        return write.get();
      } catch (DeltaConcurrentModificationException e) {
        if (attempt >= attempts) {
          throw new IllegalStateException(what + ": still conflicting with concurrent writers after " + attempts
              + " attempts; raise " + JobOptions.COMMIT_ATTEMPTS + " or schedule it apart from them", e);
        }
        long backoff = Math.min(10_000L, 200L << Math.min(attempt, 6)) + (long) (Math.random() * 200);
        LOG.warn("{}: concurrent commit ({}), attempt {}/{} again in {} ms", what, e.getClass().getSimpleName(), attempt + 1,
            attempts, backoff);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(what + ": interrupted while retrying a conflicting commit", e);
        }
      }
    }
  }

  public static void onConflict(String what, int attempts, Runnable write) {
    onConflict(what, attempts, () -> {
      write.run();
      return null;
    });
  }
}

package io.visionlake.jobs.stream;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import io.visionlake.jobs.scoring.InputFiles;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/**
 * One progress line per micro-batch of one query: rows, input and processed rows/s, duration, the
 * stream's watermark and how far behind it is (files waiting in the landing folder, or offsets
 * behind the latest in Kafka). Lines go to stderr and are kept for {@link #lines()}.
 */
public final class StreamProgress extends StreamingQueryListener {
  private final String queryName;
  private final MicroBatchWriter writer;
  private final Supplier<Landing> backlogFiles;
  private final int maxPerTrigger;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final List<Long> batchRows = new CopyOnWriteArrayList<>();

  /** Files under a landing folder not taken yet (-1: the listing failed), and dot-files the listing skipped. */
  record Landing(long waiting, long hidden) {}

  /** @param backlogFiles the landing folder's state, or null when the source is Kafka */
  StreamProgress(String queryName, MicroBatchWriter writer, Supplier<Landing> backlogFiles, int maxPerTrigger) {
    this.queryName = queryName;
    this.writer = writer;
    this.backlogFiles = backlogFiles;
    this.maxPerTrigger = maxPerTrigger;
  }

  @Override
  public void onQueryStarted(QueryStartedEvent event) {}

  @Override
  public void onQueryProgress(QueryProgressEvent event) {
    StreamingQueryProgress p = event.progress();
    if (!queryName.equals(p.name())) {
      return;
    }
    Long millis = p.durationMs().get("triggerExecution");
    Instant watermark = writer.watermark();
    String behind;
    long waiting;
    if (backlogFiles != null) {
      Landing landing = backlogFiles.get();
      long files = Math.max(0, landing.waiting());
      waiting = landing.waiting();
      behind = String.format(Locale.ROOT, "behind: %,d file(s) waiting = %d batch(es)", files, (files + maxPerTrigger - 1) / maxPerTrigger);
      if (landing.hidden() > 0) {
        behind += " · " + InputFiles.hiddenNote(landing.hidden());
      }
    } else {
      long offsets = 0;
      for (SourceProgress s : p.sources()) {
        Map<String, String> m = s.metrics();
        if (m != null && m.containsKey("maxOffsetsBehindLatest")) {
          offsets = Math.max(offsets, (long) Double.parseDouble(m.get("maxOffsetsBehindLatest")));
        }
      }
      behind = String.format(Locale.ROOT, "behind: %,d offset(s) = %d batch(es)", offsets, (offsets + maxPerTrigger - 1) / maxPerTrigger);
      waiting = offsets;
    }
    writer.metrics().backlog(p.batchId(), waiting);
    StreamMetrics.Batch batch = writer.metrics().pending(p.batchId());
    if (batch != null && batch.latencyP50Ms() != null) {
      behind += String.format(Locale.ROOT, " · latency p50 %.1fs p95 %.1fs", batch.latencyP50Ms() / 1000.0, batch.latencyP95Ms() / 1000.0);
    }
    String line = String.format(Locale.ROOT,
        "[stream %s] batch %d: %,d rows · input %.1f rows/s · processed %.1f rows/s · %.1fs · watermark %s · %s",
        queryName, p.batchId(), p.numInputRows(), p.inputRowsPerSecond(), p.processedRowsPerSecond(),
        millis == null ? 0.0 : millis / 1000.0, watermark == null ? "none" : watermark.toString(), behind);
    lines.add(line);
    batchRows.add(p.numInputRows());
    System.err.println(line);
  }

  @Override
  public void onQueryIdle(QueryIdleEvent event) {}

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {}

  List<String> lines() {
    return List.copyOf(lines);
  }

  List<Long> batchRows() {
    return List.copyOf(batchRows);
  }
}

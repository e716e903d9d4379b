package io.visionlake.jobs.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;

import io.visionlake.jobs.lake.IdempotentAppend;
import io.visionlake.jobs.lake.Lake;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code stream_metrics} table: one row per micro-batch (rows by kind, time by phase, end-to-end
 * latency of its frames, backlog), kept on the driver and appended every {@code interval}
 * milliseconds and when the query ends.
 *
 * <p>Why buffered: every Delta commit costs about a second here, most of a micro-batch's fixed cost,
 * and metrics are observations, not data. A driver killed between two appends loses at most one
 * interval of rows; the frames and counts are never at stake. An append is idempotent (txnAppId =
 * stream id + {@code :metrics}, txnVersion = its last batch id), and batches this stream already
 * wrote are never buffered again, so a replayed batch adds no second row.
 */
final class StreamMetrics {
  /** What one micro-batch did. Latencies are null when it held no frame with a landing time. */
  record Batch(long batchId, Timestamp startedAt, Timestamp committedAt, long frames, long errors, long late, int cameras,
      long durationMs, Map<String, Long> phaseMs, Long latencyP50Ms, Long latencyP95Ms, Long latencyMaxMs) {}

  private final SparkSession spark;
  private final Lake lake;
  private final String stream;
  private final String streamId;
  private final long intervalMillis;
  private final ConcurrentSkipListMap<Long, Batch> pending = new ConcurrentSkipListMap<>();
  /** Backlog per batch id, reported by the progress listener after the batch (asynchronously). */
  private final Map<Long, Long> backlog = new java.util.concurrent.ConcurrentHashMap<>();
  /** The last batch id of this stream in the table: nothing at or below it is written again. */
  private volatile long written = -1;
  private long lastAppend = System.currentTimeMillis();

  StreamMetrics(SparkSession spark, Lake lake, String stream, String streamId, long intervalMillis) {
    this.spark = spark;
    this.lake = lake;
    this.stream = stream;
    this.streamId = streamId;
    this.intervalMillis = intervalMillis;
  }

  /** Creates the table when missing and reads the last batch this stream wrote to it (a small table: a row per batch). */
  void ensure() {
    lake.ensure(spark, Lake.STREAM_METRICS, Lake.STREAM_METRICS_SCHEMA);
    Row last = lake.table(spark, Lake.STREAM_METRICS).toDF().filter(col("stream_id").equalTo(streamId)).agg(max("batch_id")).first();
    written = last.isNullAt(0) ? -1 : last.getLong(0);
  }

  /** Records a finished batch; rows of earlier batches are appended first when the interval has passed. */
  void add(Batch batch) {
    if (batch.batchId() > written) {
      pending.put(batch.batchId(), batch);
    }
  }

  /**
   * Appends what is pending if {@code interval} has passed since the last append. Called at the
   * start of a batch, so the rows of earlier batches carry the backlog their progress event reported.
   */
  void appendIfDue() {
    if (System.currentTimeMillis() - lastAppend >= intervalMillis) {
      append();
    }
  }

  /** The pending row of {@code batchId}, or null once appended (or never recorded). */
  Batch pending(long batchId) {
    return pending.get(batchId);
  }

  /** The backlog (files or offsets waiting) the progress line reported after {@code batchId}. */
  void backlog(long batchId, long waiting) {
    if (waiting >= 0 && batchId > written) {
      backlog.put(batchId, waiting);
    }
  }

  /** Appends every pending row now (the query ended, or the interval passed). */
  synchronized void append() {
    lastAppend = System.currentTimeMillis();
    if (pending.isEmpty()) {
      return;
    }
    List<Row> rows = new ArrayList<>();
    long last = -1;
    for (Batch b : pending.values()) {
      if (b.batchId() <= written) {
        continue;
      }
      Map<String, Long> phases = new LinkedHashMap<>(b.phaseMs());
      rows.add(RowFactory.create(stream, streamId, b.batchId(), b.startedAt(), b.committedAt(), b.frames(), b.errors(), b.late(),
          b.cameras(), b.durationMs(), phases, b.latencyP50Ms(), b.latencyP95Ms(), b.latencyMaxMs(),
          backlog.get(b.batchId())));
      last = Math.max(last, b.batchId());
    }
    if (!rows.isEmpty()) {
      Dataset<Row> df = spark.createDataFrame(rows, Lake.STREAM_METRICS_SCHEMA);
      IdempotentAppend.append(spark, lake.path(Lake.STREAM_METRICS), df, streamId + ":metrics", last, stream + ":metrics:" + last);
      written = last;
    }
    pending.headMap(written, true).clear();
    backlog.keySet().removeIf(id -> id <= written);
  }
}

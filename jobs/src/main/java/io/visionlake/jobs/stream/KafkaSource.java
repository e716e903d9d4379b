package io.visionlake.jobs.stream;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.connector.read.streaming.ReadLimit;
import org.apache.spark.sql.connector.read.streaming.ReportsSourceMetrics;
import org.apache.spark.sql.connector.read.streaming.SupportsTriggerAvailableNow;
import org.apache.spark.sql.kafka010.KafkaSourceProvider;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * Spark's Kafka source, unchanged but for one defect of Spark 4.1.0-4.1.3 (SPARK-55271,
 * SPARK-57438): a stream restarted after a crash in the middle of a micro-batch (the batch is in
 * the checkpoint's offset log, not yet in its commit log) re-runs that batch without asking Kafka
 * for its latest offsets, and the progress report of that batch then throws a
 * NullPointerException in {@code KafkaMicroBatchStream.metrics}: the query fails on every restart
 * and the stream can never recover. Here the source's metrics (offsets behind latest, for the
 * progress line) are left out for that one batch instead; reading, offsets and commits are
 * Spark's own. Used by format class name, like {@link LandingSource}.
 */
public final class KafkaSource extends KafkaSourceProvider {

  /** The table Spark's streaming reader asks a provider for (Spark's own {@code getTable(options)} returns its Kafka table type). */
  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return new GuardedTable(super.getTable(new CaseInsensitiveStringMap(properties)));
  }

  /** Spark's Kafka table; its scans' streams report metrics only when they can. */
  private record GuardedTable(SupportsRead table) implements SupportsRead {
    @Override
    public String name() {
      return table.name();
    }

    @Override
    @SuppressWarnings("deprecation")
    public StructType schema() {
      return table.schema();
    }

    @Override
    public Transform[] partitioning() {
      return table.partitioning();
    }

    @Override
    public Map<String, String> properties() {
      return table.properties();
    }

    @Override
    public Set<TableCapability> capabilities() {
      return table.capabilities();
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
      ScanBuilder builder = table.newScanBuilder(options);
      return () -> new GuardedScan(builder.build());
    }
  }

  private record GuardedScan(Scan scan) implements Scan {
    @Override
    public StructType readSchema() {
      return scan.readSchema();
    }

    @Override
    public String description() {
      return scan.description();
    }

    @Override
    public MicroBatchStream toMicroBatchStream(String checkpointLocation) {
      return new GuardedStream(scan.toMicroBatchStream(checkpointLocation));
    }

    @Override
    public CustomMetric[] supportedCustomMetrics() {
      return scan.supportedCustomMetrics();
    }
  }

  /** Delegates everything to Spark's Kafka stream; see the class comment for {@link #metrics}. */
  static final class GuardedStream implements MicroBatchStream, SupportsTriggerAvailableNow, ReportsSourceMetrics {
    private final MicroBatchStream stream;

    GuardedStream(MicroBatchStream stream) {
      this.stream = stream;
    }

    @Override
    public Offset latestOffset() {
      return stream.latestOffset();
    }

    @Override
    public Offset latestOffset(Offset startOffset, ReadLimit limit) {
      return ((SupportsTriggerAvailableNow) stream).latestOffset(startOffset, limit);
    }

    @Override
    public ReadLimit getDefaultReadLimit() {
      return ((SupportsTriggerAvailableNow) stream).getDefaultReadLimit();
    }

    @Override
    public Offset reportLatestOffset() {
      return ((SupportsTriggerAvailableNow) stream).reportLatestOffset();
    }

    @Override
    public void prepareForTriggerAvailableNow() {
      ((SupportsTriggerAvailableNow) stream).prepareForTriggerAvailableNow();
    }

    @Override
    public InputPartition[] planInputPartitions(Offset start, Offset end) {
      return stream.planInputPartitions(start, end);
    }

    @Override
    public PartitionReaderFactory createReaderFactory() {
      return stream.createReaderFactory();
    }

    @Override
    public Offset initialOffset() {
      return stream.initialOffset();
    }

    @Override
    public Offset deserializeOffset(String json) {
      return stream.deserializeOffset(json);
    }

    @Override
    public void commit(Offset end) {
      stream.commit(end);
    }

    @Override
    public void stop() {
      stream.stop();
    }

    /**
     * Spark's metrics, or none while the stream has not yet asked Kafka for its latest offsets
     * (the re-run of a batch planned before a crash): Spark's own code then dereferences null.
     */
    @Override
    public Map<String, String> metrics(Optional<Offset> latestConsumedOffset) {
      try {
        return ((ReportsSourceMetrics) stream).metrics(latestConsumedOffset);
      } catch (NullPointerException sparkDefect) {
        return Map.of();
      }
    }

    @Override
    public String toString() {
      return stream.toString();
    }
  }
}

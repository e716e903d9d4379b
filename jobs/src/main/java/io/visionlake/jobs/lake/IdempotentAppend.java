package io.visionlake.jobs.lake;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.VersionChecksum;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.SetTransaction;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Appends that happen once per (application id, version): a stream's micro-batch rows, which a
 * replay of the batch must not add twice.
 *
 * <p>Delta's own way ({@code txnAppId}/{@code txnVersion} options) asks the table's snapshot for
 * its transaction ids, and Delta 4.2 answers that by reconstructing the snapshot's whole state:
 * three Spark jobs over the log since the last checkpoint, for every table on every micro-batch,
 * since each batch's commit makes a new snapshot (about a second of a 2-core driver per table,
 * measured in the stream bench's event log). Yet the answer is already in the version's checksum
 * file: Delta writes each table's transaction ids into its {@code .crc} and keeps the one it just
 * committed in memory. So the check reads it there ({@link #committedVersion}), and only where the
 * checksum lacks them (an older writer, a table whose checksum was not written) does Delta
 * reconstruct the state.
 */
public final class IdempotentAppend {
  private IdempotentAppend() {}

  /**
   * The latest version {@code appId} committed to the table {@code t} reads, or -1: what {@code
   * t.txnVersion(appId)} returns, from the snapshot's checksum when it holds the transaction ids.
   * Like {@code txnVersion} it records the read, so a concurrent commit of the same id conflicts.
   */
  public static long committedVersion(OptimisticTransaction t, String appId) {
    Option<VersionChecksum> checksum = t.snapshot().checksumOpt();
    if (checksum.isDefined() && checksum.get().setTransactions().isDefined()) {
      t.readTxn().addOne(appId);
      long version = -1;
      for (SetTransaction s : CollectionConverters.asJava(checksum.get().setTransactions().get())) {
        if (s.appId().equals(appId)) {
          version = Math.max(version, s.version());
        }
      }
      return version;
    }
    return t.txnVersion(appId);
  }

  /**
   * Appends {@code rows} to the Delta table at {@code path} unless {@code appId} has committed
   * {@code version} (or a later one) there; returns false when it had. The commit carries the
   * transaction id and {@code userMetadata}, as Delta's {@code txnAppId}/{@code txnVersion}
   * options would. A table that does not exist yet, or whose columns differ from the rows' (a new
   * column to add), goes through Delta's writer with schema merging.
   */
  public static boolean append(SparkSession spark, String path, Dataset<Row> rows, String appId, long version, String userMetadata) {
    DeltaLog log = DeltaLog.forTable(spark, path);
    if (log.tableExists()) {
      OptimisticTransaction t = log.startTransaction();
      if (committedVersion(t, appId) >= version) {
        return false;
      }
      StructType table = t.metadata().schema();
      if (sameColumns(table, rows.schema())) {
        Column[] columns = Arrays.stream(table.fieldNames()).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
        List<Action> actions = new ArrayList<>(CollectionConverters.asJava(t.writeFiles(rows.select(columns))));
        actions.add(new SetTransaction(appId, version, Option.apply(System.currentTimeMillis())));
        t.commit(CollectionConverters.asScala(actions).toList(), new DeltaOperations.Write(SaveMode.Append,
            Option.apply(t.metadata().partitionColumns()), Option.empty(), Option.apply(userMetadata), Option.empty(), Option.empty(),
            Option.empty()));
        return true;
      }
    }
    rows.write().format("delta").mode("append")
        .option("txnAppId", appId)
        .option("txnVersion", version)
        .option("mergeSchema", "true")
        .option("userMetadata", userMetadata)
        .save(path);
    return true;
  }

  /** The same column names with the same types, in any order (nullability aside: Delta checks NOT NULL as it writes). */
  private static boolean sameColumns(StructType table, StructType rows) {
    if (table.size() != rows.size()) {
      return false;
    }
    for (StructField f : rows.fields()) {
      Option<Object> i = table.getFieldIndex(f.name());
      if (i.isEmpty() || !org.apache.spark.sql.types.DataType.equalsIgnoreNullability(table.fields()[(Integer) i.get()].dataType(),
          f.dataType())) {
        return false;
      }
    }
    return true;
  }
}

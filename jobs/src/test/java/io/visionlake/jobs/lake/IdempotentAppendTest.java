package io.visionlake.jobs.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The checksum's transaction ids answer as Delta's state reconstruction does, and an append is
 * skipped exactly when Delta's {@code txnAppId}/{@code txnVersion} options would skip it.
 */
@IntegrationTest
class IdempotentAppendTest extends DeltaTestBase {
  static final StructType SCHEMA = new StructType().add("camera_id", DataTypes.StringType).add("n", DataTypes.LongType);

  private Dataset<Row> rows(long n) {
    return spark.createDataFrame(List.of(RowFactory.create("north", n), RowFactory.create("south", n)), SCHEMA);
  }

  private long[] versions(String path, String... appIds) {
    DeltaLog.clearCache(); // a snapshot read from the files, not the one the commit left in memory
    OptimisticTransaction t = DeltaLog.forTable(spark, path).startTransaction();
    long[] v = new long[appIds.length];
    for (int i = 0; i < appIds.length; i++) {
      v[i] = IdempotentAppend.committedVersion(t, appIds[i]);
    }
    return v;
  }

  private long[] deltasOwn(String path, String... appIds) {
    DeltaLog.clearCache();
    OptimisticTransaction t = DeltaLog.forTable(spark, path).startTransaction();
    long[] v = new long[appIds.length];
    for (int i = 0; i < appIds.length; i++) {
      v[i] = t.txnVersion(appIds[i]);
    }
    return v;
  }

  @Test
  void replaysAreSkippedAndTheChecksumAgreesWithDeltasState() throws IOException {
    String path = tmp.resolve("t").toString();
    assertThat(IdempotentAppend.append(spark, path, rows(0), "a", 0, "a:0")).as("a new table").isTrue();
    assertThat(IdempotentAppend.append(spark, path, rows(1), "a", 1, "a:1")).isTrue();
    assertThat(IdempotentAppend.append(spark, path, rows(1), "a", 1, "a:1")).as("a replay").isFalse();
    assertThat(IdempotentAppend.append(spark, path, rows(0), "a", 0, "a:0")).as("an older batch").isFalse();
    // Another writer through Delta's own options, then this one again, in a different column order.
    rows(7).write().format("delta").mode("append").option("txnAppId", "b").option("txnVersion", 7).save(path);
    assertThat(IdempotentAppend.append(spark, path, rows(2).select("n", "camera_id"), "a", 2, "a:2")).isTrue();
    rows(7).write().format("delta").mode("append").option("txnAppId", "b").option("txnVersion", 7).save(path);

    assertThat(spark.read().format("delta").load(path).groupBy("n").count().orderBy("n").collectAsList())
        .as("each batch once").extracting(r -> r.getLong(0) + "x" + r.getLong(1)).containsExactly("0x2", "1x2", "2x2", "7x2");
    assertThat(versions(path, "a", "b", "never")).containsExactly(2, 7, -1).containsExactly(deltasOwn(path, "a", "b", "never"));
    assertThat(spark.sql("DESCRIBE HISTORY delta.`" + path + "`").orderBy("version").select("userMetadata").collectAsList())
        .as("one commit per batch, the replays none").extracting(r -> r.getString(0)).containsExactly("a:0", "a:1", null, "a:2");

    // Without checksums (a writer that wrote none), Delta's own answer.
    try (Stream<Path> log = Files.list(tmp.resolve("t").resolve("_delta_log"))) {
      for (Path crc : log.filter(p -> p.toString().endsWith(".crc")).toList()) {
        Files.delete(crc);
      }
    }
    assertThat(versions(path, "a", "b", "never")).containsExactly(2, 7, -1);
    assertThat(IdempotentAppend.append(spark, path, rows(2), "a", 2, "a:2")).as("a replay, no checksum").isFalse();
  }

  @Test
  void aNewColumnIsMergedIntoTheTable() {
    String path = tmp.resolve("t").toString();
    IdempotentAppend.append(spark, path, rows(0), "a", 0, "a:0");
    Dataset<Row> wider = rows(1).withColumn("people", org.apache.spark.sql.functions.lit(3L));
    assertThat(IdempotentAppend.append(spark, path, wider, "a", 1, "a:1")).isTrue();
    assertThat(spark.read().format("delta").load(path).columns()).containsExactly("camera_id", "n", "people");
    assertThat(IdempotentAppend.append(spark, path, wider, "a", 1, "a:1")).isFalse();
    assertThat(spark.read().format("delta").load(path).count()).isEqualTo(4);
  }
}

package io.visionlake.jobs.lake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.testing.IntegrationTest;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The oracle is Delta itself: the same rows written by {@code OptimisticTransaction.writeFiles} (a
 * Spark job) and by {@link DriverParquet} into twin tables read back the same, carry the same
 * statistics (bar the documented omissions), and answer the same filters, at the bounds where a
 * wrong statistic would skip a file that holds a match.
 */
@IntegrationTest
class DriverParquetTest extends DeltaTestBase {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final StructType SCHEMA = new StructType()
      .add("camera_id", DataTypes.StringType)
      .add("n", DataTypes.IntegerType)
      .add("total", DataTypes.LongType)
      .add("small", DataTypes.ShortType)
      .add("score", DataTypes.FloatType)
      .add("avg", DataTypes.DoubleType)
      .add("final", DataTypes.BooleanType)
      .add("seen_at", DataTypes.TimestampType)
      .add("day", DataTypes.DateType)
      .add("stream_id", DataTypes.StringType);

  /** Rows with nulls, negative numbers, pre-1970 and microsecond timestamps, and strings whose UTF-8 and UTF-16 orders differ. */
  static List<Row> rows(int n, long seed) {
    Random r = new Random(seed);
    String[] cameras = {"north", "south", "gate-\uD835\uDCB3", "gate-\uFF21", "Zebra", "a", ""};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Timestamp ts = Timestamp.from(Instant.parse("1969-12-31T23:59:59Z").plusSeconds(r.nextInt(2_000_000_000)).plusNanos(r.nextInt(1_000_000) * 1000L));
      rows.add(RowFactory.create(
          i % 9 == 0 ? null : cameras[r.nextInt(cameras.length)],
          i % 7 == 0 ? null : r.nextInt() / 1000,
          r.nextLong(),
          (short) (r.nextInt(2000) - 1000),
          i % 5 == 0 ? null : (float) r.nextGaussian(),
          r.nextGaussian() * 1e6,
          i % 4 == 0 ? null : r.nextBoolean(),
          i % 6 == 0 ? null : ts,
          Date.valueOf(java.time.LocalDate.of(1960 + r.nextInt(80), 1 + r.nextInt(12), 1 + r.nextInt(28))),
          java.util.UUID.nameUUIDFromBytes(new byte[] {(byte) i}).toString()));
    }
    return rows;
  }

  private String emptyTable(String name, StructType schema, String... partitionBy) {
    String path = tmp.resolve(name).toString();
    spark.createDataFrame(List.of(), schema).write().format("delta").partitionBy(partitionBy).mode(SaveMode.Overwrite).save(path);
    return path;
  }

  private static AddFile commit(OptimisticTransaction t, List<? extends Action> actions) {
    t.commit(CollectionConverters.asScala(new ArrayList<Action>(actions)).toList(),
        new DeltaOperations.Write(SaveMode.Append, Option.empty(), Option.empty(), Option.empty(), Option.empty(), Option.empty(),
            Option.empty()));
    return (AddFile) actions.get(0);
  }

  /** Writes {@code rows} into a new table both ways; returns {Spark's file, the driver's file}. */
  private AddFile[] bothWays(List<Row> rows) {
    String bySpark = emptyTable("by-spark", SCHEMA);
    String byDriver = emptyTable("by-driver", SCHEMA);
    OptimisticTransaction s = DeltaLog.forTable(spark, bySpark).startTransaction();
    List<FileAction> sparkFiles = CollectionConverters.asJava(s.writeFiles(spark.createDataFrame(rows, SCHEMA).coalesce(1)));
    assertThat(sparkFiles).hasSize(1);
    AddFile fromSpark = commit(s, sparkFiles);
    OptimisticTransaction d = DeltaLog.forTable(spark, byDriver).startTransaction();
    assertThat(DriverParquet.unsupported(d, SCHEMA, rows)).as("a plain table").isNull();
    AddFile fromDriver = commit(d, List.of(DriverParquet.write(spark, d, SCHEMA, rows)));
    return new AddFile[] {fromSpark, fromDriver};
  }

  private List<Row> sorted(String path, String filter) {
    List<Row> rows = new ArrayList<>(spark.read().format("delta").load(path).filter(filter).collectAsList());
    rows.sort(Comparator.comparing(Row::toString));
    return rows;
  }

  @Test
  void theDriversFileReadsAndDescribesItselfAsDeltasOwn() throws Exception {
    List<Row> rows = rows(300, 7);
    AddFile[] files = bothWays(rows);
    String bySpark = tmp.resolve("by-spark").toString();
    String byDriver = tmp.resolve("by-driver").toString();
    assertThat(sorted(byDriver, "true")).as("the rows read back").hasSize(300).isEqualTo(sorted(bySpark, "true"));

    JsonNode delta = JSON.readTree(files[0].stats());
    JsonNode driver = JSON.readTree(files[1].stats());
    assertThat(driver.get("numRecords")).isEqualTo(delta.get("numRecords"));
    assertThat(driver.get("nullCount")).as("null counts").isEqualTo(delta.get("nullCount"));
    for (String bound : List.of("minValues", "maxValues")) {
      JsonNode expected = delta.get(bound);
      JsonNode actual = driver.get(bound);
      List<String> omitted = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!actual.has(e.getKey())) {
          omitted.add(e.getKey());
          continue;
        }
        if (SCHEMA.apply(e.getKey()).dataType().equals(DataTypes.TimestampType)) {
          assertThat(OffsetDateTime.parse(actual.get(e.getKey()).asText()).toInstant()).as("%s.%s", bound, e.getKey())
              .isEqualTo(OffsetDateTime.parse(e.getValue().asText()).toInstant());
        } else if (e.getValue().isNumber()) {
          assertThat(actual.get(e.getKey()).asDouble()).as("%s.%s", bound, e.getKey()).isEqualTo(e.getValue().asDouble());
        } else {
          assertThat(actual.get(e.getKey()).asText()).as("%s.%s", bound, e.getKey()).isEqualTo(e.getValue().asText());
        }
      }
      assertThat(omitted).as("%s Delta has and the driver omits: strings longer than the prefix only", bound).containsExactly("stream_id");
      assertThat(actual.size()).as("%s: no column Delta does not bound", bound).isEqualTo(expected.size() - 1);
    }

    // Filters at each column's bounds: a bound written wrong would skip a file holding a match.
    Row extremes = spark.read().format("delta").load(byDriver).selectExpr("max(seen_at)", "min(seen_at)", "max(camera_id)", "min(n)",
        "max(avg)", "max(day)").first();
    List<String> filters = List.of(
        "seen_at = timestamp'" + extremes.getTimestamp(0) + "'",
        "seen_at >= timestamp'" + extremes.getTimestamp(0) + "'",
        "seen_at <= timestamp'" + extremes.getTimestamp(1) + "'",
        "camera_id = '" + extremes.getString(2) + "'",
        "camera_id > 'gate-'",
        "n = " + extremes.getInt(3),
        "avg >= " + extremes.getDouble(4),
        "day = date'" + extremes.getDate(5) + "'",
        "final = true",
        "score is null");
    for (String f : filters) {
      assertThat(sorted(byDriver, f)).as(f).isNotEmpty().isEqualTo(sorted(bySpark, f));
    }
  }

  @Test
  void notANumberGetsNoBoundsAndReadsBack() throws Exception {
    List<Row> rows = new ArrayList<>(rows(20, 11));
    Row r = rows.get(3);
    Object[] v = new Object[r.length()];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.get(i);
    }
    v[5] = Double.NaN;
    v[4] = Float.POSITIVE_INFINITY;
    rows.set(3, RowFactory.create(v));
    AddFile[] files = bothWays(rows);
    JsonNode driver = JSON.readTree(files[1].stats());
    assertThat(driver.get("minValues").has("avg")).isFalse();
    assertThat(driver.get("maxValues").has("score")).isFalse();
    assertThat(sorted(tmp.resolve("by-driver").toString(), "isnan(avg) or score > 1e30")).hasSize(1)
        .isEqualTo(sorted(tmp.resolve("by-spark").toString(), "isnan(avg) or score > 1e30"));
  }

  @Test
  void tablesItCannotWriteAlikeAreSaidWhy() {
    List<Row> rows = rows(5, 3);
    OptimisticTransaction partitioned = DeltaLog.forTable(spark, emptyTable("partitioned", SCHEMA, "day")).startTransaction();
    assertThat(DriverParquet.unsupported(partitioned, SCHEMA, rows)).isEqualTo("the table is partitioned");

    String constrained = emptyTable("constrained", SCHEMA);
    spark.sql("ALTER TABLE delta.`" + constrained + "` ADD CONSTRAINT positive CHECK (small > -5000)");
    assertThat(DriverParquet.unsupported(DeltaLog.forTable(spark, constrained).startTransaction(), SCHEMA, rows))
        .isEqualTo("the table sets delta.constraints.positive");

    String vectors = emptyTable("vectors", SCHEMA);
    spark.sql("ALTER TABLE delta.`" + vectors + "` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')");
    assertThat(DriverParquet.unsupported(DeltaLog.forTable(spark, vectors).startTransaction(), SCHEMA, rows))
        .startsWith("the table ");

    StructType narrower = new StructType().add("camera_id", DataTypes.StringType);
    OptimisticTransaction plain = DeltaLog.forTable(spark, emptyTable("narrow", narrower)).startTransaction();
    assertThat(DriverParquet.unsupported(plain, SCHEMA, rows)).isEqualTo("the table has no column n");

    String strictPath = tmp.resolve("strict").toString();
    spark.sql("CREATE TABLE delta.`" + strictPath + "` (camera_id STRING NOT NULL, n INT) USING delta");
    OptimisticTransaction strict = DeltaLog.forTable(spark, strictPath).startTransaction();
    StructType two = new StructType().add("camera_id", DataTypes.StringType).add("n", DataTypes.IntegerType);
    assertThat(DriverParquet.unsupported(strict, two, List.of(RowFactory.create("a", 1)))).isNull();
    assertThat(DriverParquet.unsupported(strict, two, List.of(RowFactory.create(null, 1))))
        .isEqualTo("column camera_id is NOT NULL and a row has no value");
  }

  @Test
  void aTableWithFewerRowColumnsGetsNullsInTheTablesOrder() throws Exception {
    StructType table = new StructType().add("n", DataTypes.IntegerType).add("camera_id", DataTypes.StringType)
        .add("people", DataTypes.LongType);
    String path = emptyTable("wider", table);
    StructType rowsSchema = new StructType().add("camera_id", DataTypes.StringType).add("n", DataTypes.IntegerType);
    List<Row> rows = List.of(RowFactory.create("north", 1), RowFactory.create("south", 2));
    OptimisticTransaction t = DeltaLog.forTable(spark, path).startTransaction();
    assertThat(DriverParquet.unsupported(t, rowsSchema, rows)).isNull();
    AddFile f = commit(t, List.of(DriverParquet.write(spark, t, rowsSchema, rows)));
    assertThat(sorted(path, "true")).containsExactly(RowFactory.create(1, "north", null), RowFactory.create(2, "south", null));
    assertThat(JSON.readTree(f.stats()).get("nullCount").get("people").asLong()).isEqualTo(2);
  }
}

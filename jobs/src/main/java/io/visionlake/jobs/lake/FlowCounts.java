package io.visionlake.jobs.lake;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.window;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Recomputes one day of {@code flow_counts} from {@code frames} outside a stream (the backfill's
 * gold-table refresh): the same aggregation the stream MERGEs ({@link #of}),
 * over the windows that start on the day, with the window length the table already uses (an empty
 * or missing table is left to the stream).
 */
public final class FlowCounts {
  private FlowCounts() {}

  /**
   * One MERGE: windows of the day are updated or inserted, windows of the day without frames any
   * more are deleted; {@code final} is left to the stream's watermark (new windows start not final).
   */
  public static void refreshDay(SparkSession spark, Lake lake, LocalDate day) {
    if (!lake.exists(spark, Lake.FLOW_COUNTS)) {
      return;
    }
    lake.addLaterColumns(spark, Lake.FLOW_COUNTS);
    Long windowSeconds = windowSeconds(spark, lake);
    if (windowSeconds == null) {
      return; // no stream has counted yet: the window length is the stream's choice, not ours
    }
    Timestamp start = Timestamp.from(day.atStartOfDay(ZoneOffset.UTC).toInstant());
    Timestamp end = Timestamp.from(day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
    Dataset<Row> frames = lake.table(spark, Lake.FRAMES).toDF()
        // a window starting late on the day may hold frames of the next day
        .filter(col("capture_date").between(java.sql.Date.valueOf(day), java.sql.Date.valueOf(day.plusDays(1))));
    Dataset<Row> counts = of(frames, windowSeconds + " seconds")
        .filter(col("window_start").geq(lit(start)).and(col("window_start").lt(lit(end))))
        .withColumn("final", lit(false))
        .withColumn("updated_at", lit(Timestamp.from(Instant.now())));
    Column ofDay = col("t.window_start").geq(lit(start)).and(col("t.window_start").lt(lit(end)));
    lake.table(spark, Lake.FLOW_COUNTS).as("t")
        .merge(counts.as("s"), "t.camera_id = s.camera_id AND t.window_start = s.window_start")
        .whenMatched().updateExpr(Map.of("frames", "s.frames", "people_detections", "s.people_detections",
            "avg_people", "s.avg_people", "peak_people", "s.peak_people", "faces", "s.faces", "people", "s.people", "window_end", "s.window_end",
            "updated_at", "s.updated_at"))
        .whenNotMatched().insertAll()
        .whenNotMatchedBySource(ofDay).delete()
        .execute();
  }

  /** The window length flow_counts already uses (the stream's --window), or null while it is empty. */
  static Long windowSeconds(SparkSession spark, Lake lake) {
    Row any = lake.table(spark, Lake.FLOW_COUNTS).toDF()
        .selectExpr("unix_timestamp(window_end) - unix_timestamp(window_start)").limit(1).collectAsList().stream().findFirst().orElse(null);
    return any == null || any.isNullAt(0) ? null : any.getLong(0);
  }

  /**
   * The flow statistics of {@code frames} per camera and tumbling window: what {@code flow_counts}
   * holds (the stream MERGEs it per batch, a backfill per day), and what tests recompute in batch
   * to check it. People are the {@code people} column where the stream ran the people analyser,
   * else the {@code person} objects of the {@code objects} column; frames without either (or
   * without {@code faces}) count null there.
   */
  public static Dataset<Row> of(Dataset<Row> frames, String windowDuration) {
    return frames.withColumn("w", window(col("captured_at"), windowDuration))
        .withColumn("p", people(frames)).withColumn("f", faces(frames)).withColumn("pt", personTracks(frames))
        .groupBy(col("camera_id"), col("w").getField("start").as("window_start"), col("w").getField("end").as("window_end"))
        .agg(count(lit(1)).as("frames"), sum("p").cast(DataTypes.LongType).as("people_detections"), avg("p").as("avg_people"),
            max("p").as("peak_people"), sum("f").cast(DataTypes.LongType).as("faces"),
            tracked(frames) ? size(array_distinct(flatten(collect_list("pt")))).cast(DataTypes.LongType).as("people")
                : lit(null).cast(DataTypes.LongType).as("people"));
  }

  /**
   * A frame's people: the {@code people} column where the stream ran the people analyser, else the
   * number of {@code person} objects; null without either. The stream's running windows
   * (OpenWindows) read the same per-frame values, so they sum exactly what {@link #of} sums.
   */
  public static Column people(Dataset<Row> frames) {
    List<String> columns = Arrays.asList(frames.columns());
    return columns.contains("people") ? col("people")
        : columns.contains("objects") ? size(filter(col("objects"), o -> o.getField("label").equalTo("person")))
        : lit(null).cast(DataTypes.IntegerType);
  }

  /** A frame's faces (the {@code faces} analyser's count), or null. */
  public static Column faces(Dataset<Row> frames) {
    return Arrays.asList(frames.columns()).contains("faces") ? col("faces") : lit(null).cast(DataTypes.IntegerType);
  }

  /** A tracked frame's person track ids (objects labelled person with a track id); null when untracked. */
  public static Column personTracks(Dataset<Row> frames) {
    return tracked(frames)
        ? transform(filter(col("objects"), o -> o.getField("label").equalTo("person").and(o.getField("track_id").isNotNull())),
            o -> o.getField("track_id"))
        : lit(null).cast(DataTypes.createArrayType(DataTypes.IntegerType));
  }

  /** Whether {@code frames} holds tracked objects (an {@code objects} column whose structs carry {@code track_id}). */
  public static boolean tracked(Dataset<Row> frames) {
    if (!Arrays.asList(frames.columns()).contains("objects")) {
      return false;
    }
    DataType type = frames.schema().apply("objects").dataType();
    return type instanceof ArrayType a && a.elementType() instanceof StructType s && Arrays.asList(s.fieldNames()).contains("track_id");
  }
}

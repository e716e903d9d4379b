package io.visionlake.jobs.stream;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.udfs.analyze.objects.CocoLabels;
import io.visionlake.udfs.analyze.objects.Detection;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The stream's tracking tables: {@code tracks}, {@code line_crossings}, {@code zone_visits} and
 * {@code object_counts}, written from one batch's {@link CameraTracking.Result}. Crossings and
 * visits are appended idempotently (the batch's Delta transaction id, as {@code frames}); tracks
 * rows carry absolute values and are written with the open windows ({@link OpenTracks}, {@link
 * WindowFiles}), so every table is the same after a replay.
 */
final class TrackTables {
  /** The stored {@code objects} of a tracked frame: the analyser's struct plus {@code track_id}. */
  static final StructType TRACKED_OBJECT = new StructType()
      .add("label", DataTypes.StringType, true)
      .add("score", DataTypes.FloatType, true)
      .add("x", DataTypes.IntegerType, true)
      .add("y", DataTypes.IntegerType, true)
      .add("w", DataTypes.IntegerType, true)
      .add("h", DataTypes.IntegerType, true)
      .add("track_id", DataTypes.IntegerType, true);

  private static final StructType IDS = new StructType()
      .add("_frame_key", DataTypes.StringType, false)
      .add("_track_ids", DataTypes.createArrayType(DataTypes.IntegerType, true), false);

  /** Appends rows to a stream table idempotently for the current batch. */
  interface Appender {
    void append(Dataset<Row> rows, String table);
  }

  private final SparkSession spark;
  private final Lake lake;
  private final String stream;
  private final String streamId;

  TrackTables(SparkSession spark, Lake lake, String stream, String streamId) {
    this.spark = spark;
    this.lake = lake;
    this.stream = stream;
    this.streamId = streamId;
  }

  void ensure() {
    lake.ensure(spark, Lake.TRACKS, Lake.TRACKS_SCHEMA);
    lake.ensure(spark, Lake.LINE_CROSSINGS, Lake.LINE_CROSSINGS_SCHEMA);
    lake.ensure(spark, Lake.ZONE_VISITS, Lake.ZONE_VISITS_SCHEMA);
    lake.ensure(spark, Lake.OBJECT_COUNTS, Lake.OBJECT_COUNTS_SCHEMA);
  }

  /** Identifies a frame within a batch: its landing path, or its Kafka topic, partition and offset. */
  static Column frameKey() {
    return concat_ws("|", coalesce(col("path"), lit("")), coalesce(col("kafka_topic"), lit("")),
        coalesce(col("kafka_partition").cast("string"), lit("")), coalesce(col("kafka_offset").cast("string"), lit("")));
  }

  /** The batch's frames as the tracker reads them (one small collect: keys, cameras, times and boxes). */
  static List<CameraTracking.Frame> observations(Dataset<Row> frames) {
    List<CameraTracking.Frame> out = new ArrayList<>();
    for (Row r : frames.select(frameKey(), col("camera_id"), col("captured_at"), col("objects")).collectAsList()) {
      List<Detection> objects = new ArrayList<>();
      if (!r.isNullAt(3)) {
        for (Row o : CollectionConverters.asJava(r.<scala.collection.Seq<Row>>getAs(3))) {
          String label = o.getString(0);
          objects.add(new Detection(label, CocoLabels.LABELS.indexOf(label), o.getFloat(1), o.getInt(2), o.getInt(3), o.getInt(4), o.getInt(5)));
        }
      }
      out.add(new CameraTracking.Frame(r.getString(0), r.getString(1), r.getTimestamp(2).getTime(), objects));
    }
    return out;
  }

  /** {@code frames} with each object's {@code track_id} (null: not confirmed, or the frame was not tracked). */
  Dataset<Row> withTrackIds(Dataset<Row> frames, Map<String, int[]> ids) {
    List<Row> rows = new ArrayList<>(ids.size());
    ids.forEach((key, frameIds) -> {
      List<Integer> list = new ArrayList<>(frameIds.length);
      for (int id : frameIds) {
        list.add(id >= 0 ? id : null);
      }
      rows.add(RowFactory.create(key, list));
    });
    Dataset<Row> idFrame = spark.createDataFrame(rows, IDS);
    return frames.withColumn("_frame_key", frameKey())
        .join(broadcast(idFrame), new String[] {"_frame_key"}, "left")
        .withColumn("objects", transform(col("objects"), (o, i) -> struct(o.getField("label").as("label"),
            o.getField("score").as("score"), o.getField("x").as("x"), o.getField("y").as("y"), o.getField("w").as("w"),
            o.getField("h").as("h"), element_at(col("_track_ids"), i.plus(1)).as("track_id"))))
        .drop("_frame_key", "_track_ids");
  }

  /**
   * Appends the batch's crossings and zone visits. A table the batch has nothing for gets no
   * commit (most batches cross no line): a replay computes the same nothing.
   */
  void write(CameraTracking.Result result, long batchId, Appender appender) {
    List<Row> crossings = new ArrayList<>();
    result.crossings().forEach(c -> crossings.add(RowFactory.create(c.camera(), c.line(), c.label(), c.trackId(),
        new Timestamp(c.at()), c.direction(), stream, streamId, batchId)));
    if (!crossings.isEmpty()) {
      appender.append(spark.createDataFrame(crossings, Lake.LINE_CROSSINGS_SCHEMA), Lake.LINE_CROSSINGS);
    }
    List<Row> visits = new ArrayList<>();
    result.visits().forEach(v -> visits.add(RowFactory.create(v.camera(), v.zone(), v.label(), v.trackId(),
        new Timestamp(v.enteredAt()), new Timestamp(v.exitedAt()), v.dwellMillis() / 1000.0, stream, streamId, batchId)));
    if (!visits.isEmpty()) {
      appender.append(spark.createDataFrame(visits, Lake.ZONE_VISITS_SCHEMA), Lake.ZONE_VISITS);
    }
  }

  /**
   * The batch's tracks as {@code tracks} rows, with absolute values (a track's row is replaced
   * while it lives; {@link OpenTracks} keeps the live ones and {@link WindowFiles} writes them).
   */
  List<Row> rows(CameraTracking.Result result, long batchId) {
    List<Row> tracks = new ArrayList<>();
    result.tracks().forEach(t -> tracks.add(RowFactory.create(t.camera(), t.trackId(), t.label(), new Timestamp(t.firstSeen()),
        new Timestamp(t.lastSeen()), t.frames(), t.firstX(), t.firstY(), t.lastX(), t.lastY(), t.maxScore(), t.ended(),
        stream, streamId, batchId)));
    return tracks;
  }
}

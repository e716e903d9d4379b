package io.visionlake.jobs.scoring;

import io.visionlake.jobs.lake.Lake;

import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.inference.PartitionedInference;
import io.visionlake.udfs.model.ModelFiles;
import io.visionlake.udfs.spark.ImageColumns;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Executor side of the streaming job: for each source row (one frame), works out the capture time,
 * sends frames behind the watermark to {@code late}, and runs the others through the one {@link
 * PartitionedInference} path (decoded once; model and analysers read the same pixels). One output
 * row per input row, whose {@code kind} is {@code frame}, {@code error} or {@code late}.
 */
public final class FrameScorer implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  public static final String FRAME = "frame";
  public static final String ERROR = "error";
  public static final String LATE = "late";

  static final String TIME_FILE_NAME = "file_name";
  static final String TIME_MODIFICATION = "modification_time";
  static final String TIME_KAFKA = "kafka_timestamp";

  /** {@code <root>/camera=<id>/...}: the camera of a landed file. */
  private static final Pattern CAMERA = Pattern.compile("/camera=([^/]+)/");
  /** {@code yyyyMMdd'T'HHmmss.SSS.jpg}, UTC. */
  private static final Pattern CAPTURE_NAME = Pattern.compile("/(\\d{8}T\\d{6}\\.\\d{3})\\.(?i:jpe?g)$");
  private static final DateTimeFormatter CAPTURE_FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS");

  /** What every source is normalised to before the micro-batch reaches the scorer. */
  public static final StructType SOURCE_SCHEMA = new StructType()
      .add("camera_id", DataTypes.StringType, true)
      .add("path", DataTypes.StringType, true)
      .add("kafka_topic", DataTypes.StringType, true)
      .add("kafka_partition", DataTypes.IntegerType, true)
      .add("kafka_offset", DataTypes.LongType, true)
      .add("source_time", DataTypes.TimestampType, true)
      .add("content", DataTypes.BinaryType, true);

  private static final StructType HEAD = new StructType()
      .add("kind", DataTypes.StringType, false)
      .add("camera_id", DataTypes.StringType, false)
      .add("captured_at", DataTypes.TimestampType, true)
      .add("capture_date", DataTypes.DateType, true)
      .add("time_source", DataTypes.StringType, true)
      .add("path", DataTypes.StringType, true)
      .add("kafka_topic", DataTypes.StringType, true)
      .add("kafka_partition", DataTypes.IntegerType, true)
      .add("kafka_offset", DataTypes.LongType, true)
      .add("image_id", DataTypes.StringType, true)
      .add("bytes", DataTypes.LongType, true)
      .add("width", DataTypes.IntegerType, true)
      .add("height", DataTypes.IntegerType, true)
      .add("stage", DataTypes.StringType, true)
      .add("error_class", DataTypes.StringType, true)
      .add("message", DataTypes.StringType, true);

  private final PartitionedInference inference;
  private final List<StructField> analysisFields;
  private final boolean labels;
  private final boolean embedding;
  private final long watermarkMillis;

  /**
   * @param watermarkMillis frames captured before this are late; {@code Long.MIN_VALUE} for none yet
   */
  public FrameScorer(PartitionedInference inference, List<StructField> analysisFields, boolean labels, boolean embedding,
      long watermarkMillis) {
    this.inference = inference;
    this.analysisFields = List.copyOf(analysisFields);
    this.labels = labels;
    this.embedding = embedding;
    this.watermarkMillis = watermarkMillis;
  }

  /** The scorer's output: {@link #HEAD}, the analysers' fields, then labels/embedding when asked for. */
  public static StructType resultSchema(List<StructField> analysisFields, boolean labels, boolean embedding) {
    StructType s = HEAD;
    for (StructField f : analysisFields) {
      s = s.add(f);
    }
    return withModelColumns(s, labels, embedding);
  }

  /** The {@code frames} table for these analysers. */
  public static StructType framesSchema(List<StructField> analysisFields, boolean labels, boolean embedding) {
    StructType s = Lake.FRAMES_HEAD;
    for (StructField f : analysisFields) {
      s = s.add(f);
    }
    s = withModelColumns(s, labels, embedding);
    for (StructField f : Lake.FRAMES_TRAILER.fields()) {
      s = s.add(f);
    }
    return s;
  }

  private static StructType withModelColumns(StructType s, boolean labels, boolean embedding) {
    if (labels) {
      s = s.add("top_label", DataTypes.StringType, true).add("labels", ImageColumns.LABELS_TYPE, true);
    }
    if (embedding) {
      s = s.add("embedding", ImageColumns.EMBEDDING_TYPE, true);
    }
    return s;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    Iterator<Frame> frames = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Frame next() {
        return toFrame(rows.next());
      }
    };
    return inference.apply(frames, f -> f.late ? null : f.content, this::toRow);
  }

  private Frame toFrame(Row r) {
    Frame f = new Frame();
    f.path = r.getString(1);
    f.cameraId = r.getString(0);
    if (f.cameraId == null && f.path != null) {
      Matcher m = CAMERA.matcher(f.path);
      f.cameraId = m.find() ? m.group(1) : "unknown";
    } else if (f.cameraId == null || f.cameraId.isEmpty()) {
      f.cameraId = "unknown";
    }
    f.topic = r.getString(2);
    f.partition = r.isNullAt(3) ? null : r.getInt(3);
    f.offset = r.isNullAt(4) ? null : r.getLong(4);
    Timestamp sourceTime = r.getTimestamp(5);
    f.content = r.isNullAt(6) ? new byte[0] : (byte[]) r.get(6);
    if (f.topic != null) {
      f.capturedAt = sourceTime;
      f.timeSource = TIME_KAFKA;
    } else {
      f.capturedAt = captureTimeFromName(f.path);
      f.timeSource = TIME_FILE_NAME;
      if (f.capturedAt == null) {
        f.capturedAt = sourceTime;
        f.timeSource = TIME_MODIFICATION;
      }
    }
    f.imageId = f.content.length > 0 ? ModelFiles.sha256Hex(f.content) : null;
    f.late = f.capturedAt != null && f.capturedAt.getTime() < watermarkMillis;
    return f;
  }

  /** The UTC capture time in a {@code yyyyMMdd'T'HHmmss.SSS.jpg} file name, or null. */
  static Timestamp captureTimeFromName(String path) {
    if (path == null) {
      return null;
    }
    Matcher m = CAPTURE_NAME.matcher(path);
    if (!m.find()) {
      return null;
    }
    try {
      return Timestamp.from(LocalDateTime.parse(m.group(1), CAPTURE_FORMAT).toInstant(ZoneOffset.UTC));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private Row toRow(Frame f, ImageResult r) {
    int n = HEAD.size() + analysisFields.size() + (labels ? 2 : 0) + (embedding ? 1 : 0);
    Object[] v = new Object[n];
    v[1] = f.cameraId;
    v[2] = f.capturedAt;
    v[3] = f.capturedAt == null ? null : java.sql.Date.valueOf(f.capturedAt.toInstant().atZone(ZoneOffset.UTC).toLocalDate());
    v[4] = f.timeSource;
    v[5] = f.path;
    v[6] = f.topic;
    v[7] = f.partition;
    v[8] = f.offset;
    v[9] = f.imageId;
    v[10] = (long) f.content.length;
    if (f.late) {
      v[0] = LATE;
    } else if (r == null || !r.isSuccess()) {
      v[0] = ERROR;
      v[13] = r == null ? ImageResult.STAGE_READ : r.errorStage();
      v[14] = r == null ? "NoContent" : r.errorClass();
      v[15] = r == null ? "The frame has no bytes" : r.errorMessage();
    } else if (f.capturedAt == null) {
      v[0] = ERROR;
      v[13] = ImageResult.STAGE_READ;
      v[14] = "NoCaptureTime";
      v[15] = "Neither the file name nor the source gives a capture time";
    } else {
      v[0] = FRAME;
      v[11] = r.width();
      v[12] = r.height();
      int i = HEAD.size();
      Object[] analysis = r.analysis();
      for (int j = 0; j < analysisFields.size(); j++) {
        v[i++] = analysis != null ? analysis[j] : null;
      }
      if (labels) {
        v[i++] = r.topLabels() != null && r.topLabels().length > 0 ? r.topLabels()[0] : null;
        v[i++] = ImageColumns.labels(r);
      }
      if (embedding) {
        v[i] = ImageColumns.embedding(r);
      }
    }
    return RowFactory.create(v);
  }

  /** One source row on its way through the scorer. */
  private static final class Frame {
    String cameraId;
    String path;
    String topic;
    Integer partition;
    Long offset;
    Timestamp capturedAt;
    String timeSource;
    byte[] content;
    String imageId;
    boolean late;
  }
}

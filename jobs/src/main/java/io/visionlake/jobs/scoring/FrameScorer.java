package io.visionlake.jobs.scoring;

import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.inference.PartitionedInference;
import io.visionlake.udfs.model.ModelFiles;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Executor side of the streaming job: for each source row (one frame), works out the capture time,
 * sends frames behind their own camera's watermark to {@code late} and frames captured beyond now +
 * the allowed clock skew to {@code error} ({@code ClockSkew}), and runs the others through the one {@link
 * PartitionedInference} path (decoded once; model and analysers read the same pixels). One output
 * row per input row, whose {@code kind} is {@code frame}, {@code error} or {@code late}.
 *
 * <p>A landed file arrives as its path only (no content): it is read here, by the {@link FileReader}
 * batch uses, so a FIFO, a device or a file gone since its batch was planned is an error row of
 * the {@code read} stage and the micro-batch (and any replay of it) completes.
 */
public final class FrameScorer implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  public static final String FRAME = "frame";
  public static final String ERROR = "error";
  public static final String LATE = "late";
  /** The error class of a frame whose capture time is beyond now + {@code maxClockSkew}. */
  public static final String CLOCK_SKEW = "ClockSkew";

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

  private final PartitionedInference inference;
  private final Broadcast<SerializableConfiguration> hadoopConf;
  private final FileReader reader;
  private final ResultColumns columns;
  private final Clock clock;

  /**
   * What a micro-batch judges capture times against, decided once on the driver: each camera's
   * watermark (a camera without one has no late frames yet), the driver's now and the skew allowed
   * beyond it (the setting's name, for messages).
   */
  public record Clock(java.util.Map<String, Long> watermarkMillis, long nowMillis, long maxSkewMillis, String skewSetting)
      implements java.io.Serializable {
    public Clock {
      watermarkMillis = java.util.Map.copyOf(watermarkMillis);
    }

    boolean late(String camera, Timestamp capturedAt) {
      Long watermark = watermarkMillis.get(camera);
      return capturedAt != null && watermark != null && capturedAt.getTime() < watermark;
    }

    boolean skewed(Timestamp capturedAt) {
      return capturedAt != null && capturedAt.getTime() > nowMillis + maxSkewMillis;
    }
  }

  /** Built by {@link ScoringPlan#frameScorer}; {@code columns} are {@link ResultColumns#frames}. */
  FrameScorer(PartitionedInference inference, Broadcast<SerializableConfiguration> hadoopConf, long maxFileBytes,
      ResultColumns columns, Clock clock) {
    this.inference = inference;
    this.hadoopConf = hadoopConf;
    this.reader = new FileReader(maxFileBytes);
    this.columns = columns;
    this.clock = clock;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    Configuration conf = hadoopConf.value().value();
    Iterator<Frame> frames = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Frame next() {
        return toFrame(rows.next(), conf);
      }
    };
    return inference.apply(frames, f -> f.late || f.skewed || f.readError != null ? null : f.content, this::toRow);
  }

  private Frame toFrame(Row r, Configuration conf) {
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
    f.landedAt = sourceTime;
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
    // A capture time in the future is a wrong clock, not a frame: it must not count, and must not
    // move its camera's watermark (which would make the camera's real frames late).
    f.skewed = clock.skewed(f.capturedAt);
    f.late = !f.skewed && clock.late(f.cameraId, f.capturedAt);
    if (f.topic == null && f.path != null && r.isNullAt(6) && !f.late && !f.skewed) {
      FileReader.InputFile file = reader.read(conf, f.path);
      if (file.errorClass != null) {
        f.readError = file.errorClass;
        f.readMessage = file.message;
        f.bytes = file.length;
      } else {
        f.content = file.content;
      }
    }
    f.imageId = f.content.length > 0 ? ModelFiles.sha256Hex(f.content) : null;
    if (f.readError == null) {
      f.bytes = f.content.length;
    }
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
    ResultColumns.Values v = columns.values()
        .set("camera_id", f.cameraId)
        .set("captured_at", f.capturedAt)
        .set("capture_date", f.capturedAt == null ? null
            : java.sql.Date.valueOf(f.capturedAt.toInstant().atZone(ZoneOffset.UTC).toLocalDate()))
        .set("time_source", f.timeSource)
        .set("landed_at", f.landedAt)
        .set("path", f.path)
        .set("kafka_topic", f.topic)
        .set("kafka_partition", f.partition)
        .set("kafka_offset", f.offset)
        .set("image_id", f.imageId)
        .set("bytes", f.bytes);
    if (f.skewed) {
      v.set("kind", ERROR).error(ImageResult.STAGE_READ, CLOCK_SKEW, String.format(java.util.Locale.ROOT,
          "Camera %s: capture time %s (from the %s) is %,d s ahead of the stream's clock (now %s), more than %s = %d s allows;"
              + " the camera's clock is probably wrong: set it right (NTP) and land the frame again with its true capture time,"
              + " or raise %s if the driver's clock is the one behind",
          f.cameraId, f.capturedAt.toInstant(), f.timeSource.replace('_', ' '), (f.capturedAt.getTime() - clock.nowMillis()) / 1000,
          java.time.Instant.ofEpochMilli(clock.nowMillis()), clock.skewSetting(), clock.maxSkewMillis() / 1000, clock.skewSetting()));
    } else if (f.late) {
      v.set("kind", LATE);
    } else if (f.readError != null) {
      v.set("kind", ERROR).error(ImageResult.STAGE_READ, f.readError, f.readMessage);
    } else if (r == null || !r.isSuccess()) {
      v.set("kind", ERROR).error(r == null ? ImageResult.STAGE_READ : r.errorStage(), r == null ? "NoContent" : r.errorClass(),
          r == null ? "The frame has no bytes" : r.errorMessage());
    } else if (f.capturedAt == null) {
      v.set("kind", ERROR).error(ImageResult.STAGE_READ, "NoCaptureTime", "Neither the file name nor the source gives a capture time");
    } else {
      v.set("kind", FRAME).outputs(r);
    }
    return v.row();
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
    /** When it reached the stream: the landed file's modification time or the Kafka record's timestamp. */
    Timestamp landedAt;
    byte[] content;
    String imageId;
    long bytes;
    boolean late;
    boolean skewed;
    /** Why a landed file's bytes could not be read ({@link FileErrors}), or null. */
    String readError;
    String readMessage;
  }
}

package io.visionlake.jobs.scoring;

import io.visionlake.jobs.conf.JobOptions;

import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.inference.PartitionedInference;
import io.visionlake.udfs.model.ModelFiles;
import io.visionlake.udfs.spark.ImageColumns;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.sql.Timestamp;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Executor side of the batch job: stats and reads each listed file itself (through Hadoop's FileSystem, so a
 * vanished or unreadable file is a {@code read} error row rather than a failed task) and runs the
 * bytes through {@link PartitionedInference}. File bytes live only inside the partition iterator;
 * they never become a DataFrame column.
 */
public final class FileScorer implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  /** One row per input file: the outcome of read, decode and inference; the analysers' fields follow. */
  public static final StructType RESULT_SCHEMA = new StructType()
      .add("path", DataTypes.StringType, false)
      .add("bytes", DataTypes.LongType, false)
      .add("captured_at", DataTypes.TimestampType, true)
      .add("image_id", DataTypes.StringType, true)
      .add("ok", DataTypes.BooleanType, false)
      .add("format", DataTypes.StringType, true)
      .add("width", DataTypes.IntegerType, true)
      .add("height", DataTypes.IntegerType, true)
      .add("labels", ImageColumns.LABELS_TYPE, true)
      .add("embedding", ImageColumns.EMBEDDING_TYPE, true)
      .add("stage", DataTypes.StringType, true)
      .add("error_class", DataTypes.StringType, true)
      .add("message", DataTypes.StringType, true);

  private final PartitionedInference inference;
  private final Broadcast<SerializableConfiguration> hadoopConf;
  private final long maxFileBytes;
  private final int analysisFields;

  public FileScorer(PartitionedInference inference, Broadcast<SerializableConfiguration> hadoopConf, long maxFileBytes) {
    this(inference, hadoopConf, maxFileBytes, List.of());
  }

  /** @param analysisFields the analysers' columns, appended to {@link #RESULT_SCHEMA} in this order */
  public FileScorer(PartitionedInference inference, Broadcast<SerializableConfiguration> hadoopConf, long maxFileBytes,
      List<StructField> analysisFields) {
    this.inference = inference;
    this.hadoopConf = hadoopConf;
    this.maxFileBytes = maxFileBytes;
    this.analysisFields = analysisFields.size();
  }

  static StructType resultSchema(List<StructField> analysisFields) {
    StructType s = RESULT_SCHEMA;
    for (StructField f : analysisFields) {
      s = s.add(f);
    }
    return s;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> listing) {
    Configuration conf = hadoopConf.value().value();
    Iterator<InputFile> files = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return listing.hasNext();
      }

      @Override
      public InputFile next() {
        return read(conf, listing.next().getString(0));
      }
    };
    return inference.apply(files, f -> f.content, this::toRow);
  }

  private InputFile read(Configuration conf, String path) {
    InputFile f = new InputFile(path);
    try {
      URI uri = new URI(path);
      if ("file".equals(uri.getScheme())) {
        return readLocal(f, java.nio.file.Paths.get(uri));
      }
      Path p = new Path(uri);
      FileSystem fs = p.getFileSystem(conf);
      FileStatus status = fs.getFileStatus(p);
      f.length = status.getLen();
      f.modified = new Timestamp(status.getModificationTime());
      if (f.length > maxFileBytes) {
        return tooLarge(f);
      }
      try (InputStream in = fs.open(p)) {
        f.content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxFileBytes + 1));
      }
      if (f.content.length > maxFileBytes) {
        f.content = null;
        f.fail("FileTooLarge", "File grew above " + JobOptions.MAX_FILE_BYTES + "=" + maxFileBytes + " while being read");
        return f;
      }
      f.imageId = ModelFiles.sha256Hex(f.content);
    } catch (IOException | RuntimeException | java.net.URISyntaxException e) {
      f.content = null;
      f.fail(e.getClass().getSimpleName(), "Cannot read file: " + e.getMessage());
    }
    return f;
  }

  /**
   * Local files skip Hadoop's LocalFileSystem, which looks for a .crc side file and wraps the
   * stream in checksum verification for every file: measurable on many small images.
   */
  private InputFile readLocal(InputFile f, java.nio.file.Path file) throws IOException {
    java.nio.file.attribute.BasicFileAttributes attrs =
        java.nio.file.Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
    f.length = attrs.size();
    f.modified = new Timestamp(attrs.lastModifiedTime().toMillis());
    if (f.length > maxFileBytes) {
      return tooLarge(f);
    }
    f.content = java.nio.file.Files.readAllBytes(file);
    f.imageId = ModelFiles.sha256Hex(f.content);
    return f;
  }

  private InputFile tooLarge(InputFile f) {
    f.fail("FileTooLarge", "File is " + f.length + " bytes, above " + JobOptions.MAX_FILE_BYTES + "=" + maxFileBytes
        + "; raise that setting to process it");
    return f;
  }

  private Row toRow(InputFile f, ImageResult r) {
    long bytes = f.content != null ? f.content.length : f.length;
    Object[] v = new Object[RESULT_SCHEMA.size() + analysisFields];
    v[0] = f.path;
    v[1] = bytes;
    v[2] = f.modified;
    v[3] = f.imageId;
    if (r == null) {
      v[4] = false;
      v[10] = ImageResult.STAGE_READ;
      v[11] = f.errorClass;
      v[12] = f.message;
    } else if (!r.isSuccess()) {
      v[4] = false;
      v[10] = r.errorStage();
      v[11] = r.errorClass();
      v[12] = r.errorMessage();
    } else {
      v[4] = true;
      v[5] = r.format();
      v[6] = r.width();
      v[7] = r.height();
      v[8] = ImageColumns.labels(r);
      v[9] = ImageColumns.embedding(r);
      Object[] analysis = r.analysis();
      for (int j = 0; j < analysisFields; j++) {
        v[RESULT_SCHEMA.size() + j] = analysis != null ? analysis[j] : null;
      }
    }
    return RowFactory.create(v);
  }

  /** A listed file and, once read, its bytes or why they could not be read. */
  private static final class InputFile {
    final String path;
    long length;
    Timestamp modified;
    byte[] content;
    String imageId;
    String errorClass;
    String message;

    InputFile(String path) {
      this.path = path;
    }

    void fail(String errorClass, String message) {
      this.errorClass = errorClass;
      this.message = message;
    }
  }
}

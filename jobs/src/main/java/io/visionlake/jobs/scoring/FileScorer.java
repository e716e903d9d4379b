package io.visionlake.jobs.scoring;

import io.visionlake.jobs.conf.JobOptions;

import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.inference.PartitionedInference;
import io.visionlake.udfs.model.ModelFiles;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Timestamp;
import java.util.Iterator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Executor side of the batch job: stats and reads each listed file itself (through Hadoop's FileSystem, so a
 * vanished or unreadable file is a {@code read} error row rather than a failed task) and runs the
 * bytes through {@link PartitionedInference}. File bytes live only inside the partition iterator;
 * they never become a DataFrame column.
 */
final class FileScorer implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final PartitionedInference inference;
  private final Broadcast<SerializableConfiguration> hadoopConf;
  private final long maxFileBytes;
  private final ResultColumns columns;

  /** Built by {@link ScoringPlan#scoreFiles}; {@code columns} are {@link ResultColumns#files}. */
  FileScorer(PartitionedInference inference, Broadcast<SerializableConfiguration> hadoopConf, long maxFileBytes,
      ResultColumns columns) {
    this.inference = inference;
    this.hadoopConf = hadoopConf;
    this.maxFileBytes = maxFileBytes;
    this.columns = columns;
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
      // Table paths are not URIs (a name may hold ' ', '%', '#', '?'): InputFiles knows the form.
      Path named = InputFiles.hadoopPath(path);
      FileSystem fs = named.getFileSystem(conf);
      Path p = fs.makeQualified(named);
      if ("file".equals(p.toUri().getScheme())) {
        return readLocal(f, java.nio.file.Paths.get(p.toUri().getPath()));
      }
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
    } catch (IOException | RuntimeException e) {
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
    ResultColumns.Values v = columns.values()
        .set("path", f.path)
        .set("bytes", f.content != null ? (long) f.content.length : f.length)
        .set("captured_at", f.modified)
        .set("image_id", f.imageId)
        .set("ok", r != null && r.isSuccess());
    if (r == null) {
      v.error(ImageResult.STAGE_READ, f.errorClass, f.message);
    } else if (!r.isSuccess()) {
      v.error(r.errorStage(), r.errorClass(), r.errorMessage());
    } else {
      v.outputs(r);
    }
    return v.row();
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

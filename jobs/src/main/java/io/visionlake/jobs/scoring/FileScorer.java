package io.visionlake.jobs.scoring;

import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.inference.PartitionedInference;
import java.util.Iterator;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Executor side of the batch job: reads each listed file itself ({@link FileReader}: stat first, through
 * Hadoop's FileSystem, so a vanished or unreadable file is a {@code read} error row rather than a
 * failed task) and runs the bytes through {@link PartitionedInference}. File bytes live only inside the partition iterator;
 * they never become a DataFrame column.
 */
final class FileScorer implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final PartitionedInference inference;
  private final Broadcast<SerializableConfiguration> hadoopConf;
  private final FileReader reader;
  private final ResultColumns columns;

  /** Built by {@link ScoringPlan#scoreFiles}; {@code columns} are {@link ResultColumns#files}. */
  FileScorer(PartitionedInference inference, Broadcast<SerializableConfiguration> hadoopConf, long maxFileBytes,
      ResultColumns columns) {
    this.inference = inference;
    this.hadoopConf = hadoopConf;
    this.reader = new FileReader(maxFileBytes);
    this.columns = columns;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> listing) {
    Configuration conf = hadoopConf.value().value();
    Iterator<FileReader.InputFile> files = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return listing.hasNext();
      }

      @Override
      public FileReader.InputFile next() {
        return reader.read(conf, listing.next().getString(0));
      }
    };
    return inference.apply(files, f -> f.content, this::toRow);
  }

  private Row toRow(FileReader.InputFile f, ImageResult r) {
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
}

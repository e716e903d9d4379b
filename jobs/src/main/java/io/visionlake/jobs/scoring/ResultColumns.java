package io.visionlake.jobs.scoring;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.spark.ImageColumns;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The columns a scorer emits, named once: the leading outcome columns of files or frames, the
 * analysers' columns, and the model's. Rows are filled by column name ({@link Values}), so adding
 * a column never shifts another one's position.
 */
public final class ResultColumns implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One row per input file: the outcome of read, decode and inference; the analysers' fields follow. */
  static final StructType FILE_OUTCOME = new StructType()
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

  /**
   * One row per frame: what it is (frame, error, late), which frame it was as {@code frame_errors} has
   * it (its columns before the failure columns: an error row is written from these as they are), and
   * its outcome. Outcome columns are nullable where an error row has no value.
   */
  static final StructType FRAME_OUTCOME = append(new StructType().add("kind", DataTypes.StringType, false),
      Arrays.stream(Lake.FRAME_ERRORS_SCHEMA.fields()).takeWhile(f -> !f.name().equals("stage")).toList())
      .add("capture_date", DataTypes.DateType, true)
      .add("time_source", DataTypes.StringType, true)
      .add("landed_at", DataTypes.TimestampType, true)
      .add("width", DataTypes.IntegerType, true)
      .add("height", DataTypes.IntegerType, true)
      .add("stage", DataTypes.StringType, true)
      .add("error_class", DataTypes.StringType, true)
      .add("message", DataTypes.StringType, true);

  private final StructType schema;
  private final List<StructField> analysisFields;

  private ResultColumns(StructType schema, List<StructField> analysisFields) {
    this.schema = schema;
    this.analysisFields = List.copyOf(analysisFields);
  }

  /** The file scorer's columns: {@link #FILE_OUTCOME} (labels and embedding always), then the analysers'. */
  public static ResultColumns files(List<StructField> analysisFields) {
    return new ResultColumns(append(FILE_OUTCOME, analysisFields), analysisFields);
  }

  /** The frame scorer's columns: {@link #FRAME_OUTCOME}, the analysers', then top_label/labels and embedding when asked for. */
  public static ResultColumns frames(List<StructField> analysisFields, boolean labels, boolean embedding) {
    return new ResultColumns(Lake.withModelColumns(append(FRAME_OUTCOME, analysisFields), labels, embedding), analysisFields);
  }

  public static StructType append(StructType s, List<StructField> fields) {
    for (StructField f : fields) {
      s = s.add(f);
    }
    return s;
  }

  public StructType schema() {
    return schema;
  }

  public List<StructField> analysisFields() {
    return analysisFields;
  }

  public boolean has(String column) {
    return schema.getFieldIndex(column).isDefined();
  }

  /** An empty row of these columns. */
  Values values() {
    return new Values();
  }

  /** One row being filled; columns not set are null. */
  final class Values {
    private final Object[] v = new Object[schema.size()];

    Values set(String column, Object value) {
      v[schema.fieldIndex(column)] = value;
      return this;
    }

    /** The failure columns: where it failed, a stable class, and what to do. */
    Values error(String stage, String errorClass, String message) {
      return set("stage", stage).set("error_class", errorClass).set("message", message);
    }

    /**
     * What inference found: size (and format where the columns have it), the analysers' columns,
     * and the model's labels and embedding where the columns have them.
     */
    Values outputs(ImageResult r) {
      set("width", r.width()).set("height", r.height());
      if (has("format")) {
        set("format", r.format());
      }
      Object[] analysis = r.analysis();
      for (int j = 0; j < analysisFields.size(); j++) {
        set(analysisFields.get(j).name(), analysis != null ? analysis[j] : null);
      }
      if (has("top_label")) {
        set("top_label", r.topLabels() != null && r.topLabels().length > 0 ? r.topLabels()[0] : null);
      }
      if (has("labels")) {
        set("labels", ImageColumns.labels(r));
      }
      if (has("embedding")) {
        set("embedding", ImageColumns.embedding(r));
      }
      return this;
    }

    Row row() {
      return RowFactory.create(v);
    }
  }
}

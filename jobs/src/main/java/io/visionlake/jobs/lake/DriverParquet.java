package io.visionlake.jobs.lake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.TaskType;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.Metadata;
import org.apache.spark.sql.delta.actions.Protocol;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Writes rows the driver already holds as one Parquet data file of a Delta table, with the file
 * statistics Delta would record, without a Spark job: the new file of a transaction the caller
 * commits.
 *
 * <p>Why: a stream's window tables take a few dozen rows per micro-batch, which the driver has
 * computed. Through {@code OptimisticTransaction.writeFiles} each such file is a Spark job
 * (planning, whole-stage code generation, Delta's per-task statistics tracker, task
 * serialisation): 0.6-1.4 s of CPU on a 2-core driver whatever the row count, against a few
 * milliseconds to write the same rows here. The file is Spark's own: the writer is Spark's
 * Parquet output writer, set up from the session as a write task's is, and the rows go through
 * Spark's own conversion, so readers cannot tell the files apart.
 *
 * <p>The statistics ({@code numRecords}, per-column {@code minValues}, {@code maxValues},
 * {@code nullCount}) are Delta's for the columns and types Delta indexes, with two deliberate
 * omissions where Delta's own value is a lossy encoding: a string column holding a value longer
 * than {@value #STRING_PREFIX} characters (Delta stores a truncated prefix) and a float or double
 * column holding NaN or an infinity get no minimum or maximum. A missing bound is never wrong:
 * Delta's data skipping then keeps the file. Booleans, as in Delta, get a null count only.
 *
 * <p>Only plain tables take this path ({@link #unsupported}): not partitioned, no column mapping,
 * deletion vectors, row tracking, constraints, generated or identity columns, or statistics
 * settings of their own. Anything else says why and the caller writes through Spark.
 */
public final class DriverParquet {
  /** Delta's default string statistics prefix ({@code delta.dataSkippingStringPrefixLength}). */
  static final int STRING_PREFIX = 32;
  /** Delta's default number of indexed columns ({@code delta.dataSkippingNumIndexedCols}). */
  static final int INDEXED_COLUMNS = 32;
  private static final Set<DataType> TYPES = Set.of(DataTypes.StringType, DataTypes.IntegerType, DataTypes.LongType,
      DataTypes.ShortType, DataTypes.ByteType, DataTypes.FloatType, DataTypes.DoubleType, DataTypes.BooleanType,
      DataTypes.TimestampType, DataTypes.DateType);
  /** Table features that change nothing about how a plain data file is written or described. */
  private static final Set<String> FEATURES = Set.of("appendOnly", "invariants", "checkConstraints", "changeDataFeed",
      "generatedColumns", "identityColumns", "timestampNtz", "v2Checkpoint", "vacuumProtocolCheck", "inCommitTimestamp",
      "checkpointProtection", "typeWidening", "typeWidening-preview");
  /** Table properties that do not bear on a data file: retention, checkpoints, file sizing. */
  private static final List<String> PROPERTIES = List.of("delta.logRetentionDuration", "delta.deletedFileRetentionDuration",
      "delta.checkpointInterval", "delta.checkpoint.", "delta.checkpointPolicy", "delta.autoOptimize.", "delta.targetFileSize",
      "delta.tuneFileSizesForRewrites", "delta.setTransactionRetentionDuration", "delta.isolationLevel", "delta.appendOnly",
      "delta.minReaderVersion", "delta.minWriterVersion", "delta.enableInCommitTimestamps", "delta.inCommitTimestamp",
      "delta.feature.", "delta.enableChangeDataFeed");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

  private DriverParquet() {}

  /**
   * Why {@code rows} of {@code schema} cannot be written here into the table {@code txn} reads, or
   * null when they can.
   */
  public static String unsupported(OptimisticTransaction txn, StructType schema, List<Row> rows) {
    Metadata m = txn.metadata();
    if (!m.partitionColumns().isEmpty()) {
      return "the table is partitioned";
    }
    if ("true".equalsIgnoreCase(m.configuration().getOrElse("delta.enableChangeDataFeed", () -> "false"))) {
      return "the table records a change data feed";
    }
    for (String key : CollectionConverters.asJava(m.configuration()).keySet()) {
      if (PROPERTIES.stream().noneMatch(key::startsWith)) {
        return "the table sets " + key;
      }
    }
    Protocol p = txn.protocol();
    for (var f : CollectionConverters.asJava(p.implicitlyAndExplicitlySupportedFeatures())) {
      if (!FEATURES.contains(f.name())) {
        return "the table uses the " + f.name() + " feature";
      }
    }
    StructType table = m.schema();
    if (table.size() > INDEXED_COLUMNS) {
      return "the table has more than " + INDEXED_COLUMNS + " columns";
    }
    for (StructField f : table.fields()) {
      if (!TYPES.contains(f.dataType())) {
        return "column " + f.name() + " is " + f.dataType().simpleString();
      }
      if (!Set.of("comment").containsAll(CollectionConverters.asJava(f.metadata().map()).keySet())) {
        return "column " + f.name() + " carries metadata (a constraint, generation or identity)";
      }
      int i = Arrays.asList(schema.fieldNames()).indexOf(f.name());
      if (i >= 0 && !schema.fields()[i].dataType().equals(f.dataType())) {
        return "column " + f.name() + " is " + f.dataType().simpleString() + " in the table";
      }
      if (!f.nullable()) {
        int col = i;
        if (col < 0 || rows.stream().anyMatch(r -> r.isNullAt(col))) {
          return "column " + f.name() + " is NOT NULL and a row has no value";
        }
      }
    }
    for (String name : schema.fieldNames()) {
      if (!table.getFieldIndex(name).isDefined()) {
        return "the table has no column " + name;
      }
    }
    return null;
  }

  /**
   * Writes {@code rows} (of {@code schema}, whose columns the table has: {@link #unsupported} said
   * so) as one new data file of the table {@code txn} reads, in the table's column order. Returns
   * the file's {@code AddFile} for the caller's commit; until then the file is no part of the table.
   */
  public static AddFile write(SparkSession spark, OptimisticTransaction txn, StructType schema, List<Row> rows) {
    StructType table = txn.metadata().schema();
    int[] from = Arrays.stream(table.fieldNames()).mapToInt(n -> Arrays.asList(schema.fieldNames()).indexOf(n)).toArray();
    List<Row> ordered = new ArrayList<>(rows.size());
    for (Row r : rows) {
      Object[] values = new Object[from.length];
      for (int i = 0; i < from.length; i++) {
        values[i] = from[i] < 0 ? null : r.get(from[i]);
      }
      ordered.add(RowFactory.create(values));
    }
    try {
      SparkSession.setActiveSession(spark); // Spark's writer reads its settings from the active session
      Configuration conf = txn.deltaLog().newDeltaHadoopConf();
      Job job = Job.getInstance(conf);
      OutputWriterFactory factory = new ParquetFileFormat().prepareWrite(spark, job,
          scala.collection.immutable.Map$.MODULE$.empty(), table);
      TaskAttemptContext context = new TaskAttemptContextImpl(job.getConfiguration(),
          new TaskAttemptID("visionlake-driver", 0, TaskType.MAP, 0, 0));
      String name = "part-00000-" + UUID.randomUUID() + "-c000" + factory.getFileExtension(context);
      Path path = new Path(txn.deltaLog().dataPath(), name);
      OutputWriter writer = factory.newInstance(path.toString(), table, context);
      Function1<Object, Object> toCatalyst = CatalystTypeConverters.createToCatalystConverter(table);
      boolean closed = false;
      try {
        for (Row r : ordered) {
          writer.write((InternalRow) toCatalyst.apply(r));
        }
        writer.close();
        closed = true;
      } finally {
        if (!closed) {
          try {
            writer.close();
          } catch (RuntimeException suppressed) {
            // the write's own failure is the one to report
          }
          path.getFileSystem(conf).delete(path, false);
        }
      }
      FileStatus status = path.getFileSystem(conf).getFileStatus(path);
      return new AddFile(name, scala.collection.immutable.Map$.MODULE$.empty(), status.getLen(), status.getModificationTime(), true,
          stats(table, ordered), AddFile.apply$default$7(), AddFile.apply$default$8(), AddFile.apply$default$9(),
          AddFile.apply$default$10(), AddFile.apply$default$11());
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write a data file of " + txn.deltaLog().dataPath() + ": " + e.getMessage(), e);
    }
  }

  /**
   * A blind append of {@code rows} to the existing Delta table at {@code path} in one file the
   * driver writes, committed with {@code userMetadata}; returns false, having written nothing, when
   * the table is one {@link #unsupported} names (the caller then appends through Spark).
   */
  public static boolean append(SparkSession spark, String path, StructType schema, List<Row> rows, String userMetadata) {
    OptimisticTransaction t = org.apache.spark.sql.delta.DeltaLog.forTable(spark, path).startTransaction();
    if (rows.isEmpty() || unsupported(t, schema, rows) != null) {
      return false;
    }
    AddFile file = write(spark, t, schema, rows);
    t.commit(CollectionConverters.asScala(List.<org.apache.spark.sql.delta.actions.Action>of(file)).toList(),
        new org.apache.spark.sql.delta.DeltaOperations.Write(org.apache.spark.sql.SaveMode.Append, scala.Option.empty(),
            scala.Option.empty(), scala.Option.apply(userMetadata), scala.Option.empty(), scala.Option.empty(), scala.Option.empty()));
    return true;
  }

  /** Delta's statistics JSON for {@code rows} (in {@code schema}'s order). */
  static String stats(StructType schema, List<Row> rows) {
    ObjectNode stats = JSON.createObjectNode();
    stats.put("numRecords", rows.size());
    ObjectNode min = stats.putObject("minValues");
    ObjectNode max = stats.putObject("maxValues");
    ObjectNode nulls = stats.putObject("nullCount");
    StructField[] fields = schema.fields();
    for (int c = 0; c < fields.length && c < INDEXED_COLUMNS; c++) {
      int col = c;
      DataType type = fields[c].dataType();
      List<Object> values = new ArrayList<>();
      long nullCount = 0;
      for (Row r : rows) {
        if (r.isNullAt(col)) {
          nullCount++;
        } else {
          values.add(r.get(col));
        }
      }
      String name = fields[c].name();
      nulls.put(name, nullCount);
      Comparator<Object> order = order(type, values);
      if (values.isEmpty() || order == null) {
        continue;
      }
      put(min, name, values.stream().min(order).orElseThrow());
      put(max, name, values.stream().max(order).orElseThrow());
    }
    return stats.toString();
  }

  /** The order Spark's min and max use for {@code type}, or null when Delta records no exact bound for these values. */
  @SuppressWarnings("unchecked")
  private static Comparator<Object> order(DataType type, List<Object> values) {
    if (type.equals(DataTypes.BooleanType)) {
      return null;
    }
    if (type.equals(DataTypes.StringType)) {
      if (values.stream().anyMatch(v -> ((String) v).length() > STRING_PREFIX)) {
        return null;
      }
      // Spark compares strings by their UTF-8 bytes, unsigned (not Java's UTF-16 order).
      return (a, b) -> Arrays.compareUnsigned(((String) a).getBytes(StandardCharsets.UTF_8), ((String) b).getBytes(StandardCharsets.UTF_8));
    }
    if (type.equals(DataTypes.FloatType) || type.equals(DataTypes.DoubleType)) {
      if (values.stream().anyMatch(v -> !Double.isFinite(((Number) v).doubleValue()))) {
        return null;
      }
    }
    if (type.equals(DataTypes.TimestampType)) {
      return Comparator.comparing(v -> instant(v));
    }
    if (type.equals(DataTypes.DateType)) {
      return Comparator.comparing(v -> v instanceof LocalDate d ? d : ((Date) v).toLocalDate());
    }
    return (a, b) -> ((Comparable<Object>) a).compareTo(b);
  }

  private static Instant instant(Object v) {
    return v instanceof Instant i ? i : ((Timestamp) v).toInstant();
  }

  /** One bound as Delta writes it: timestamps to the millisecond (truncated), dates as days. */
  private static void put(ObjectNode into, String name, Object v) {
    if (v instanceof Timestamp || v instanceof Instant) {
      Instant i = instant(v);
      into.put(name, MILLIS.format(Instant.ofEpochMilli(i.toEpochMilli()))); // an Instant's nanos are >= 0: this floors
    } else if (v instanceof Date || v instanceof LocalDate) {
      into.put(name, (v instanceof LocalDate d ? d : ((Date) v).toLocalDate()).toString());
    } else if (v instanceof String s) {
      into.put(name, s);
    } else if (v instanceof Integer i) {
      into.put(name, i);
    } else if (v instanceof Long l) {
      into.put(name, l);
    } else if (v instanceof Short s) {
      into.put(name, s);
    } else if (v instanceof Byte b) {
      into.put(name, b.shortValue());
    } else if (v instanceof Float f) {
      into.put(name, f);
    } else if (v instanceof Double d) {
      into.put(name, d);
    } else {
      throw new IllegalArgumentException("No statistics for a " + v.getClass().getName());
    }
  }
}

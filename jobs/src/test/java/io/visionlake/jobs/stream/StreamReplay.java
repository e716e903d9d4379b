package io.visionlake.jobs.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/** A landing-folder stream's micro-batch run again, as Spark does after a crash: for tests outside this package. */
public final class StreamReplay {
  private StreamReplay() {}

  /** Runs the sink of a stream with {@code settings} again on the files its checkpoint recorded for {@code batchId}. */
  public static void replay(SparkSession spark, StreamingInferenceJob.Settings settings, String checkpoint, long batchId) throws Exception {
    List<String> files = SourceLog.files(spark.sessionState().newHadoopConf(), checkpoint, batchId);
    assertThat(files).as("files of batch %s", batchId).isNotEmpty();
    Dataset<Row> batch = spark.read().format("binaryFile").load(files.toArray(new String[0]))
        .select(lit(null).cast(DataTypes.StringType).as("camera_id"), col("path"),
            lit(null).cast(DataTypes.StringType).as("kafka_topic"), lit(null).cast(DataTypes.IntegerType).as("kafka_partition"),
            lit(null).cast(DataTypes.LongType).as("kafka_offset"), col("modificationTime").as("source_time"), col("content"));
    StreamingInferenceJob.writer(spark, settings).call(batch, batchId);
  }
}

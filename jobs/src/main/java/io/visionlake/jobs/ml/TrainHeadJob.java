package io.visionlake.jobs.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;

import io.visionlake.jobs.cli.JobMain;
import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.conf.MlOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.scoring.HeadColumns;
import io.visionlake.jobs.scoring.ScoringPlan;
import io.visionlake.udfs.heads.LabelHead;
import io.visionlake.udfs.model.ModelCatalog;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a label head: embeds labelled images through the partitioned path with the lake's model,
 * fits StandardScaler + LogisticRegression (+ IndexToString, so the saved pipeline answers in
 * labels) on a seeded random split, evaluates it on the held-out part, saves the PipelineModel and
 * appends the evaluation to {@code model_evals}. Batch and stream apply it with {@code --head}.
 */
public final class TrainHeadJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainHeadJob.class);
  static final String JOB = "train-head";

  private TrainHeadJob() {}

  public static void main(String[] args) {
    JobMain.run(JOB, new TrainHeadCommand(), args);
  }

  public static Result run(SparkSession spark, Settings settings) {
    Instant started = Instant.now();
    ModelCatalog catalog = ModelCatalog.fromEnvironment();
    JobConf conf = JobConf.forJob(catalog, settings.confFile, spark);
    String modelRef = settings.model != null ? settings.model : conf.get(JobOptions.MODEL);
    ScoringPlan model = ScoringPlan.forEmbeddings(spark, conf, catalog, modelRef, MlOptions.SIMILARITY_MODEL_DEFAULT + " or " + JobOptions.MODEL_DEFAULT);
    String uri = HeadColumns.headUri(settings.name, conf, catalog.home());
    long seed = conf.getLong(MlOptions.SEED);
    double testFraction = conf.getDouble(MlOptions.HEAD_TEST_FRACTION);
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException(MlOptions.HEAD_TEST_FRACTION + " must be between 0 and 1, got " + testFraction);
    }
    spark.sparkContext().setJobGroup("visionlake-train-head", String.format(Locale.ROOT,
        "Train head %s on %s embeddings of %s", settings.name, model.spec().name(), settings.labels), false);
    try {
      Dataset<Row> labels = readLabels(spark, settings.labels);
      long labelled = labels.count();
      Dataset<Row> scored = model.scoreFiles(labels.select("path").distinct(), model.partitions(spark, labelled), null)
          .join(labels, "path").persist(StorageLevel.MEMORY_AND_DISK());
      List<Row> failed = scored.filter(col("ok").equalTo(false)).select("path", "stage", "error_class", "message").collectAsList();
      failed.stream().limit(10).forEach(r -> LOG.warn("Labelled image {} skipped ({}: {} {})", r.get(0), r.get(1), r.get(2), r.get(3)));
      Dataset<Row> examples = scored.filter(col("ok"))
          .select(col("path"), col("label"), org.apache.spark.ml.functions.array_to_vector(col("embedding")).as(LabelHead.FEATURES_COL));
      StringIndexerModel indexer = new StringIndexer().setInputCol("label").setOutputCol("label_index")
          .setStringOrderType("alphabetAsc").fit(examples);
      String[] classes = indexer.labelsArray()[0];
      if (classes.length < 2) {
        throw new IllegalArgumentException("Labels " + settings.labels + " name " + classes.length + " class(es); a head needs at least 2");
      }
      Dataset<Row>[] split = indexer.transform(examples).randomSplit(new double[] {1 - testFraction, testFraction}, seed);
      Dataset<Row> train = split[0].persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> test = split[1];
      long trainCount = train.count();
      PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[] {
          new StandardScaler().setInputCol(LabelHead.FEATURES_COL).setOutputCol(LabelHead.SCALED_COL).setWithMean(true).setWithStd(true),
          new LogisticRegression().setFeaturesCol(LabelHead.SCALED_COL).setLabelCol("label_index").setFamily("multinomial")
              .setRegParam(conf.getDouble(MlOptions.HEAD_REG_PARAM)).setMaxIter(conf.getInt(MlOptions.HEAD_MAX_ITER))
              .setRawPredictionCol(LabelHead.RAW_COL).setProbabilityCol(LabelHead.PROBABILITY_COL)
              .setPredictionCol(LabelHead.PREDICTION_COL),
          new IndexToString().setInputCol(LabelHead.PREDICTION_COL).setOutputCol(LabelHead.LABEL_COL).setLabels(classes)
      }).fit(train);
      List<Row> outcomes = pipeline.transform(test).groupBy(col("label"), col(LabelHead.LABEL_COL)).agg(count(lit(1)).as("n")).collectAsList();
      Evaluation eval = Evaluation.of(outcomes);

      Timestamp trainedAt = Timestamp.from(Instant.now());
      Properties metadata = new Properties();
      metadata.setProperty(LabelHead.KEY_NAME, settings.name);
      metadata.setProperty(LabelHead.KEY_EMBEDDING_MODEL, model.spec().name());
      metadata.setProperty(LabelHead.KEY_EMBEDDING_VERSION, model.spec().version());
      metadata.setProperty(LabelHead.KEY_EMBEDDING_SHA256, model.modelSha());
      metadata.setProperty(LabelHead.KEY_LABELS, String.join(",", classes));
      metadata.setProperty("trained_at", trainedAt.toInstant().toString());
      metadata.setProperty("accuracy", Double.toString(eval.accuracy));
      LabelHead.save(spark, uri, pipeline, metadata);

      Lake lake = new Lake(settings.lake);
      lake.ensure(spark, Lake.MODEL_EVALS, Lake.MODEL_EVALS_SCHEMA);
      Row row = RowFactory.create(settings.name, trainedAt, uri, model.spec().name(), scala.jdk.javaapi.CollectionConverters.asScala(List.of(classes)).toSeq(),
          trainCount, eval.total, (long) failed.size(), eval.accuracy, eval.macroF1, scala.jdk.javaapi.CollectionConverters.asScala(eval.scalaConfusion()));
      spark.createDataFrame(List.of(row), Lake.MODEL_EVALS_SCHEMA).write().format("delta").mode("append").save(lake.path(Lake.MODEL_EVALS));
      train.unpersist();
      scored.unpersist();
      double seconds = (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0;
      return new Result(settings.name, uri, labelled, failed.size(), trainCount, eval, seconds);
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /** path,label rows from a CSV with a header or from a Delta table; blank labels are an error. */
  static Dataset<Row> readLabels(SparkSession spark, String labels) {
    boolean delta = io.delta.tables.DeltaTable.isDeltaTable(spark, labels);
    Dataset<Row> rows = delta ? spark.read().format("delta").load(labels)
        : spark.read().option("header", "true").option("mode", "FAILFAST").csv(labels);
    List<String> columns = List.of(rows.columns());
    if (!columns.contains("path") || !columns.contains("label")) {
      throw new IllegalArgumentException("Labels " + labels + " must have columns path and label (a CSV needs the header line 'path,label'); found "
          + columns);
    }
    Dataset<Row> out = rows.select(trim(col("path")).as("path"), trim(col("label")).as("label"));
    long blank = out.filter(col("path").isNull().or(col("label").isNull()).or(col("label").equalTo(""))).count();
    if (blank > 0) {
      throw new IllegalArgumentException("Labels " + labels + " have " + blank + " row(s) without a path or a label; fix or remove them");
    }
    return out;
  }

  /** Accuracy, macro F1 and the confusion counts of a held-out set. */
  static final class Evaluation {
    final long total;
    final double accuracy;
    final double macroF1;
    /** actual label -> predicted label -> images. */
    final Map<String, Map<String, Long>> confusion;

    private Evaluation(long total, double accuracy, double macroF1, Map<String, Map<String, Long>> confusion) {
      this.total = total;
      this.accuracy = accuracy;
      this.macroF1 = macroF1;
      this.confusion = confusion;
    }

    /** From rows of (actual label, predicted label, count). */
    static Evaluation of(List<Row> outcomes) {
      Map<String, Map<String, Long>> confusion = new TreeMap<>();
      TreeSet<String> classes = new TreeSet<>();
      long total = 0;
      long correct = 0;
      for (Row r : outcomes) {
        String actual = r.getString(0);
        String predicted = r.getString(1);
        long n = r.getLong(2);
        confusion.computeIfAbsent(actual, k -> new TreeMap<>()).merge(predicted, n, Long::sum);
        classes.add(actual);
        classes.add(predicted);
        total += n;
        correct += actual.equals(predicted) ? n : 0;
      }
      double f1Sum = 0;
      for (String c : classes) {
        long tp = confusion.getOrDefault(c, Map.of()).getOrDefault(c, 0L);
        long actualC = confusion.getOrDefault(c, Map.of()).values().stream().mapToLong(Long::longValue).sum();
        long predictedC = confusion.values().stream().mapToLong(m -> m.getOrDefault(c, 0L)).sum();
        double precision = predictedC == 0 ? 0 : (double) tp / predictedC;
        double recall = actualC == 0 ? 0 : (double) tp / actualC;
        f1Sum += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
      }
      return new Evaluation(total, total == 0 ? Double.NaN : (double) correct / total,
          classes.isEmpty() ? Double.NaN : f1Sum / classes.size(), confusion);
    }

    java.util.Map<String, scala.collection.Map<String, Long>> scalaConfusion() {
      Map<String, scala.collection.Map<String, Long>> out = new TreeMap<>();
      confusion.forEach((k, v) -> out.put(k, scala.jdk.javaapi.CollectionConverters.asScala(v)));
      return out;
    }
  }

  /** What the job was asked to do. */
  public record Settings(String name, String labels, String lake, String model, Path confFile) {
    public static Settings of(String name, String labels, String lake) {
      return new Settings(name, labels, lake, null, null);
    }
  }

  /** What a training run did; testCount, accuracy, macroF1 and confusion are the held-out evaluation's. */
  public record Result(String head, String uri, long labelled, long unusable, long trainCount, long testCount, double accuracy,
      double macroF1, Map<String, Map<String, Long>> confusion, double seconds) {
    Result(String head, String uri, long labelled, long unusable, long trainCount, Evaluation eval, double seconds) {
      this(head, uri, labelled, unusable, trainCount, eval.total, eval.accuracy, eval.macroF1, eval.confusion, seconds);
    }

    public String summary() {
      return String.format(Locale.ROOT,
          "Head %s saved to %s: %,d labelled image(s) (%,d unusable), trained on %,d, held-out %,d: accuracy %.4f, macro F1 %.4f in %.1fs, %.1f images/s%n  confusion (actual -> predicted): %s",
          head, uri, labelled, unusable, trainCount, testCount, accuracy, macroF1, seconds, seconds > 0 ? labelled / seconds : 0, confusion);
    }
  }
}

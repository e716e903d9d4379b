package io.visionlake.jobs.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.conf.MlOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.heads.LabelHead;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coarse-taxonomy head (conf/heads/fashion-coarse.csv: tops, bottoms, footwear, bags, dresses)
 * over fashion-cnn embeddings of the 2,000 Fashion-MNIST test-set samples (images the CNN never
 * trained on), 80% to train, the rest held out.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class TrainHeadJobTest extends DeltaTestBase {
  static final String HEAD = "fashion-coarse";

  @TempDir
  static Path tmp;
  static Path lake;
  static Path labels;
  /** Sample file name -> coarse label. */
  static Map<String, String> truth = new HashMap<>();
  static TrainHeadJob.Result trained;

  @BeforeAll
  static void coarseLabels() throws IOException {
    Map<String, String> coarse = new HashMap<>();
    for (String line : Files.readAllLines(TestPaths.required("conf/heads/fashion-coarse.csv")).subList(1, 11)) {
      coarse.put(line.split(",")[0], line.split(",")[1]);
    }
    assertThat(coarse).as("every Fashion-MNIST class is mapped").hasSize(10);
    Path fashion = TestPaths.required("data/samples/fashion");
    List<String> csv = new ArrayList<>(List.of("path,label"));
    for (String line : Files.readAllLines(TestPaths.required("data/samples/labels/fashion.csv")).subList(1, 2001)) {
      String file = line.substring(line.lastIndexOf('/') + 1, line.indexOf(','));
      String label = coarse.get(line.substring(line.indexOf(',') + 1));
      truth.put(file, label);
      csv.add(fashion.resolve(file) + "," + label);
    }
    labels = Files.write(tmp.resolve("fashion-coarse.csv"), csv);
    lake = tmp.resolve("lake");
    spark.conf().set(MlOptions.HEADS_DIR, tmp.resolve("heads").toString());
  }

  @AfterAll
  static void restoreConf() {
    if (spark != null) {
      spark.conf().unset(MlOptions.HEADS_DIR);
    }
  }

  @Test
  @Order(1)
  void coarseHeadReachesNinetyFivePercentOnHeldOutImages() {
    trained = TrainHeadJob.run(spark, TrainHeadJob.Settings.of(HEAD, labels.toString(), lake.toString()));
    System.out.println(trained.summary());

    assertThat(trained.labelled()).isEqualTo(2000);
    assertThat(trained.unusable()).isZero();
    assertThat(trained.trainCount() + trained.testCount()).as("every labelled image is in one split").isEqualTo(2000);
    assertThat(trained.testCount()).as("about 20% held out").isBetween(340L, 460L);
    assertThat(trained.accuracy()).as("held-out accuracy").isGreaterThanOrEqualTo(0.95);
    assertThat(trained.macroF1()).isGreaterThan(0.9);

    Row eval = spark.read().format("delta").load(lake.resolve(Lake.MODEL_EVALS).toString()).first();
    assertThat((String) eval.getAs("head")).isEqualTo(HEAD);
    assertThat((String) eval.getAs("embedding_model")).isEqualTo("fashion-cnn");
    assertThat(eval.<Long>getAs("train_count")).isEqualTo(trained.trainCount());
    assertThat(eval.<Long>getAs("test_count")).isEqualTo(trained.testCount());
    assertThat(eval.<Double>getAs("accuracy")).isEqualTo(trained.accuracy());
    assertThat(eval.<Double>getAs("macro_f1")).isEqualTo(trained.macroF1());
    scala.collection.Map<String, scala.collection.Map<String, Long>> stored = eval.getAs("confusion");
    Map<String, scala.collection.Map<String, Long>> confusion = scala.jdk.javaapi.CollectionConverters.asJava(stored);
    assertThat(confusion.keySet()).containsExactlyInAnyOrder("bags", "bottoms", "dresses", "footwear", "tops");
    long cells = confusion.values().stream().mapToLong(m -> scala.jdk.javaapi.CollectionConverters.asJava(m).values().stream().mapToLong(Long::longValue).sum()).sum();
    assertThat(cells).as("the confusion matrix counts the held-out images").isEqualTo(trained.testCount());
  }

  @Test
  @Order(2)
  void savedHeadLoadsBackAndPredictsTheSame() {
    LabelHead head = LabelHead.load(spark, trained.uri());
    assertThat(head.name()).isEqualTo(HEAD);
    assertThat(head.embeddingModel()).isEqualTo("fashion-cnn");
    assertThat(head.labels()).containsExactly("bags", "bottoms", "dresses", "footwear", "tops");
    assertThat(head.pipeline().stages()).hasSize(3);
    assertThat(head.pipeline().stages()[0]).isInstanceOf(StandardScalerModel.class);
    assertThat(head.pipeline().stages()[1]).isInstanceOf(LogisticRegressionModel.class);
    assertThat(head.pipeline().stages()[2]).isInstanceOf(IndexToString.class);
    assertThatThrownBy(() -> head.requireEmbeddingModel("tiny-image"))
        .hasMessageContaining("fashion-cnn").hasMessageContaining("tiny-image");
    assertThatThrownBy(() -> LabelHead.load(spark, tmp.resolve("heads/nope").toString()))
        .hasMessageContaining("No label head").hasMessageContaining("train-head");
  }

  @Test
  @Order(3)
  void batchWithHeadAddsTheColumnsAndOldRowsKeepNulls() throws IOException {
    Path fashion = TestPaths.required("data/samples/fashion");
    Path before = Files.createDirectories(tmp.resolve("input/before"));
    Path withHead = Files.createDirectories(tmp.resolve("input/with-head"));
    Path after = Files.createDirectories(tmp.resolve("input/after"));
    for (int i = 0; i < 60; i++) {
      String file = String.format("test-%05d.png", i);
      Files.copy(fashion.resolve(file), (i < 10 ? before : i < 50 ? withHead : after).resolve(file));
    }
    BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(before.toString()), lake.toString(), "before"));
    BatchInferenceJob.Result run = BatchInferenceJob.run(spark,
        BatchInferenceJob.Settings.of(List.of(withHead.toString()), lake.toString(), "with-head").withHead(HEAD));
    assertThat(run.imagesInserted).isEqualTo(40);
    BatchInferenceJob.run(spark, BatchInferenceJob.Settings.of(List.of(after.toString()), lake.toString(), "after"));

    List<Row> rows = spark.read().format("delta").load(lake.resolve(Lake.IMAGES).toString())
        .select("path", "source", LabelHead.LABEL_COL, LabelHead.SCORE_COL).collectAsList();
    assertThat(rows).hasSize(60);
    int agree = 0;
    for (Row r : rows) {
      String file = ((String) r.getAs("path")).substring(((String) r.getAs("path")).lastIndexOf('/') + 1);
      if ("with-head".equals(r.getAs("source"))) {
        assertThat((String) r.getAs(LabelHead.LABEL_COL)).isIn("bags", "bottoms", "dresses", "footwear", "tops");
        assertThat(r.<Float>getAs(LabelHead.SCORE_COL)).isBetween(0.2f, 1.0f);
        agree += truth.get(file).equals(r.getAs(LabelHead.LABEL_COL)) ? 1 : 0;
      } else {
        assertThat(r.isNullAt(r.fieldIndex(LabelHead.LABEL_COL))).as("%s written without a head", file).isTrue();
        assertThat(r.isNullAt(r.fieldIndex(LabelHead.SCORE_COL))).isTrue();
      }
    }
    assertThat(agree).as("head labels of the 40 images match their coarse class").isGreaterThanOrEqualTo(36);
  }

  @Test
  @Order(4)
  void streamWithHeadAddsTheColumns() throws Exception {
    List<Row> frames = CameraFrames.streamOnce(tmp, 4, s -> s.analyzers("classify").head(HEAD));
    assertThat(frames).hasSize(4);
    frames.forEach(r -> {
      assertThat((String) r.getAs(LabelHead.LABEL_COL)).isIn("bags", "bottoms", "dresses", "footwear", "tops");
      assertThat(r.<Float>getAs(LabelHead.SCORE_COL)).isBetween(0.2f, 1.0f);
      assertThat(r.isNullAt(r.fieldIndex("embedding"))).as("a head reads the embedding, so frames keep it").isFalse();
    });
  }
}

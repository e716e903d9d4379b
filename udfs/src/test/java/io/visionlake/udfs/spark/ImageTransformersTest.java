package io.visionlake.udfs.spark;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.udfs.SparkTestBase;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class ImageTransformersTest extends SparkTestBase {

  private Dataset<Row> images(int n) {
    Path dir = TestPaths.required("data/samples/fashion");
    return spark.read().format("binaryFile").load(dir.toString()).orderBy("path").limit(n);
  }

  @Test
  void paramsAreDeclaredWithDocsAndDefaults() {
    ImageClassifier classifier = new ImageClassifier();
    assertThat(classifier.uid()).startsWith("imageClassifier_");
    assertThat(classifier.params()).extracting(Param::name)
        .contains("inputCol", "outputCol", "model", "batchSize", "topK");
    for (Param<?> p : classifier.params()) {
      assertThat(p.doc()).as("param %s is documented", p.name()).isNotBlank();
      assertThat(p.parent()).as("param %s belongs to the instance", p.name()).isEqualTo(classifier.uid());
    }
    assertThat(classifier.getOutputCol()).isEqualTo(classifier.uid() + "__output");
    assertThatThrownBy(() -> classifier.setBatchSize(-1)).as("validator on the param").isInstanceOf(IllegalArgumentException.class);
    assertThat(classifier.toString()).contains(classifier.uid());
  }

  @Test
  void transformSchemaRejectsWrongInputs() {
    Dataset<Row> df = images(1);
    assertThatThrownBy(() -> new ImageClassifier().setInputCol("missing").transformSchema(df.schema()))
        .hasMessageContaining("Input column missing does not exist");
    assertThatThrownBy(() -> new ImageClassifier().setInputCol("path").transformSchema(df.schema()))
        .hasMessageContaining("must be of type binary").hasMessageContaining("string");
    assertThatThrownBy(() -> new ImageEmbedder().setOutputCol("length").transformSchema(df.schema()))
        .hasMessageContaining("Output column length already exists");
  }

  @Test
  void classifiesAndEmbedsInAPipelineThatSavesAndLoads(@TempDir Path tmp) throws Exception {
    Dataset<Row> df = images(40);
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
        new ImageClassifier().setOutputCol("labels").setBatchSize(16).setTopK(3),
        new ImageEmbedder().setOutputCol("embedding")});
    PipelineModel model = pipeline.fit(df);
    List<Row> rows = model.transform(df).select("labels", "embedding").collectAsList();
    assertThat(rows).hasSize(40);
    for (Row r : rows) {
      assertThat(r.<Row>getList(0)).as("top-3 labels").hasSize(3);
      assertThat(r.<Float>getList(1)).as("embedding").hasSizeGreaterThan(8);
    }

    String path = tmp.resolve("pipeline").toString();
    model.write().save(path);
    assertThatThrownBy(() -> model.write().save(path)).as("saving over an existing path needs overwrite()").isInstanceOf(Exception.class);
    model.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    ImageClassifier reloaded = (ImageClassifier) loaded.stages()[0];
    ImageClassifier original = (ImageClassifier) model.stages()[0];
    assertThat(reloaded.uid()).isEqualTo(original.uid());
    assertThat(reloaded.getTopK()).isEqualTo(3);
    assertThat(reloaded.getBatchSize()).isEqualTo(16);
    assertThat(reloaded.getOutputCol()).isEqualTo("labels");
    assertThat(loaded.transform(df).select("labels").collectAsList())
        .as("the loaded pipeline gives the same labels")
        .isEqualTo(model.transform(df).select("labels").collectAsList());
    assertThat(ImageClassifier.load(tmp.resolve("pipeline/stages/0_" + original.uid()).toString()).uid()).isEqualTo(original.uid());
  }

  @Test
  void badImagesGiveNullNotAFailure() {
    Dataset<Row> df = spark.createDataFrame(List.of(
        org.apache.spark.sql.RowFactory.create((Object) "not an image".getBytes()),
        org.apache.spark.sql.RowFactory.create((Object) null)),
        new org.apache.spark.sql.types.StructType().add("content", org.apache.spark.sql.types.DataTypes.BinaryType));
    List<Row> out = new ImageClassifier().setOutputCol("labels").transform(df).select("labels").collectAsList();
    assertThat(out).extracting(r -> r.isNullAt(0)).containsExactly(true, true);
  }

  @Test
  void sqlFunctionsRunTheSamePath() {
    VisionFunctions.register(spark);
    images(8).createOrReplaceTempView("imgs");
    List<Row> rows = spark.sql("SELECT classify_image(content)[0].label AS label, classify_image(content)[0].score AS score, "
        + "size(embed_image(content)) AS dims, classify_image(CAST('junk' AS BINARY)) AS junk FROM imgs").collectAsList();
    List<Row> viaTransformer = new ImageClassifier().setOutputCol("labels").transform(images(8))
        .select(col("labels").getItem(0).getField("label")).collectAsList();
    assertThat(rows).hasSize(8);
    for (int i = 0; i < rows.size(); i++) {
      assertThat(rows.get(i).getString(0)).as("SQL and Transformer agree on row %d", i).isEqualTo(viaTransformer.get(i).getString(0));
      assertThat(rows.get(i).getFloat(1)).isBetween(0f, 1f);
      assertThat(rows.get(i).getInt(2)).isGreaterThan(8);
      assertThat(rows.get(i).isNullAt(3)).as("undecodable bytes give null").isTrue();
    }
  }

  @Test
  void ocrTextSqlFunctionReadsAPhotographedPage() {
    VisionFunctions.register(spark);
    Path page = TestPaths.required("data/samples/text/imageTextN.png");
    spark.read().format("binaryFile").load(page.toString()).createOrReplaceTempView("pages");
    List<Row> rows = spark.sql("SELECT ocr_text(content) AS text, ocr_text(CAST('junk' AS BINARY)) AS junk FROM pages").collectAsList();
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).getString(0)).startsWith("technical details are too complex").contains("computer vision problems");
    assertThat(rows.get(0).isNullAt(1)).as("undecodable bytes give null").isTrue();
  }
}

package io.visionlake.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.UnitTest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

@UnitTest
class ModelSpecTest {
  private static Map<String, String> minimal() {
    // Mutable: tests add or remove keys from it.
    return new HashMap<>(Map.of("name", "mine", "engine", "OnnxRuntime", "uri", "s3a://bucket/models/mine.onnx",
        "input.width", "224", "input.height", "224", "output.embedding", "0"));
  }

  @Test
  void optionsRoundTripThroughBuilder() {
    ModelSpec spec = ModelSpec.fromOptions(minimal());
    assertThat(ModelSpec.fromOptions(spec.toOptions())).as("fromOptions(toOptions()) is the same spec").isEqualTo(spec);
    assertThat(spec.toBuilder().build().hashCode()).isEqualTo(spec.hashCode());
    assertThat(spec.mean()).as("one mean value is spread over the RGB channels").containsExactly(0f, 0f, 0f);
    assertThat(spec.batchSize()).as("default batch size").isEqualTo(32);
  }

  @Test
  void layoutIsAutoUnlessTheSpecPinsIt() {
    assertThat(ModelSpec.fromOptions(minimal()).layoutFixed()).as("tuned by default").isFalse();
    assertThat(ModelSpec.fromOptions(minimal()).toOptions()).as("auto is not written out").doesNotContainKey("layout");
    Map<String, String> fixed = minimal();
    fixed.put("layout", " Fixed ");
    ModelSpec pinned = ModelSpec.fromOptions(fixed);
    assertThat(pinned.layoutFixed()).isTrue();
    assertThat(ModelSpec.fromOptions(pinned.toOptions())).as("round trip keeps the pin").isEqualTo(pinned);
    assertThat(pinned).as("a pinned spec is another spec").isNotEqualTo(ModelSpec.fromOptions(minimal()));
    Map<String, String> auto = minimal();
    auto.put("layout", "auto");
    assertThat(ModelSpec.fromOptions(auto)).isEqualTo(ModelSpec.fromOptions(minimal()));
    Map<String, String> typo = minimal();
    typo.put("layout", "pinned");
    assertThatThrownBy(() -> ModelSpec.fromOptions(typo)).hasMessageContaining("'layout' must be auto or fixed, got 'pinned'");
  }

  @Test
  void builderAndOptionsBuildEqualSpecs() {
    ModelSpec built = ModelSpec.builder().setName("mine").setEngine("OnnxRuntime").setModelUri("s3a://bucket/models/mine.onnx")
        .setInputSize(224, 224).optEmbeddingOutput(0).build();
    assertThat(built).isEqualTo(ModelSpec.fromOptions(minimal()));
  }

  @Test
  void rejectsInvalidSpecsWithTheKeyToFix() {
    Map<String, String> noEngine = minimal();
    noEngine.put("engine", "Tensorflow");
    assertThatThrownBy(() -> ModelSpec.fromOptions(noEngine)).hasMessageContaining("'engine' must be PyTorch, OnnxRuntime or TensorFlow");

    Map<String, String> graphWithoutNames = minimal();
    graphWithoutNames.put("engine", "TensorFlow");
    assertThatThrownBy(() -> ModelSpec.fromOptions(graphWithoutNames)).hasMessageContaining("'input.name'");
    graphWithoutNames.put("input.name", "tower_0/images");
    assertThatThrownBy(() -> ModelSpec.fromOptions(graphWithoutNames)).hasMessageContaining("set 'output.detections'");
    graphWithoutNames.remove("output.embedding");
    graphWithoutNames.put("output.detections", "tower_0/detections");
    assertThat(ModelSpec.fromOptions(graphWithoutNames).detectionsOutput()).isEqualTo("tower_0/detections");

    Map<String, String> typo = minimal();
    typo.put("input.widht", "3");
    assertThatThrownBy(() -> ModelSpec.fromOptions(typo)).hasMessageContaining("Unknown model spec key(s) [input.widht]");

    Map<String, String> classesWithoutLabels = minimal();
    classesWithoutLabels.put("output.classes", "0");
    assertThatThrownBy(() -> ModelSpec.fromOptions(classesWithoutLabels)).hasMessageContaining("'labels'");

    Map<String, String> badMean = minimal();
    badMean.put("input.mean", "0.1,0.2");
    assertThatThrownBy(() -> ModelSpec.fromOptions(badMean)).hasMessageContaining("'input.mean' needs 1 or 3 values");

    Map<String, String> batch = minimal();
    batch.put("batch.size", "0");
    assertThatThrownBy(() -> ModelSpec.fromOptions(batch)).hasMessageContaining("'batch.size' must be >= 1");
  }

  @Test
  void detectionsFormatSaysHowManyOutputsItReads() {
    Map<String, String> centernet = new HashMap<>(Map.of("name", "det", "engine", "TensorFlow", "uri", "models/det.json",
        "input.width", "512", "input.height", "512", "input.name", "tower_0/images", "output.detections", "tower_0/detections"));
    ModelSpec plain = ModelSpec.fromOptions(centernet);
    assertThat(plain.detectionsFormat()).as("the default format").isEqualTo(DetectionsFormat.CENTERNET);
    assertThat(plain.detectionsOutputs()).containsExactly("tower_0/detections");
    assertThat(ModelSpec.fromOptions(plain.toOptions())).isEqualTo(plain);

    Map<String, String> nanodet = new HashMap<>(centernet);
    nanodet.put("output.detections.format", "NanoDet");
    assertThatThrownBy(() -> ModelSpec.fromOptions(nanodet))
        .hasMessageContaining("'output.detections.format' nanodet reads 6 output tensor(s), but 'output.detections' names 1");
    nanodet.put("output.detections", " Identity, Identity_1,Identity_2 ,Identity_3,Identity_4,Identity_5");
    ModelSpec spec = ModelSpec.fromOptions(nanodet);
    assertThat(spec.detectionsFormat()).isEqualTo(DetectionsFormat.NANODET);
    assertThat(spec.detectionsOutputs()).as("names trimmed, in spec order")
        .containsExactly("Identity", "Identity_1", "Identity_2", "Identity_3", "Identity_4", "Identity_5");
    assertThat(ModelSpec.fromOptions(spec.toOptions())).as("round trip keeps the format").isEqualTo(spec);
    assertThat(spec.toOptions()).containsEntry("output.detections.format", "nanodet");

    Map<String, String> unknown = new HashMap<>(centernet);
    unknown.put("output.detections.format", "yolo");
    assertThatThrownBy(() -> ModelSpec.fromOptions(unknown))
        .hasMessageContaining("'output.detections.format' is 'yolo'; expected one of centernet, nanodet");

    Map<String, String> onnx = minimal();
    onnx.put("output.detections.format", "nanodet");
    assertThatThrownBy(() -> ModelSpec.fromOptions(onnx)).hasMessageContaining("apply to engine TensorFlow only");

    ModelCatalog catalog = new ModelCatalog(TestPaths.home());
    assertThat(catalog.resolve("nanodet").detectionsOutputs()).as("the shipped nanodet spec").hasSize(6);
    assertThat(catalog.resolve("centernet").detectionsFormat()).isEqualTo(DetectionsFormat.CENTERNET);
  }

  @Test
  void aTensorFlowEmbedderNamesItsTensorAndPoolsIt() {
    ModelSpec shipped = new ModelCatalog(TestPaths.home()).resolve("centernet-embed");
    assertThat(shipped.hasEmbedding()).isTrue();
    assertThat(shipped.hasDetections()).isFalse();
    assertThat(shipped.embeddingTensor()).isEqualTo("tower_0/extern1/hard_swish/mul_1");
    assertThat(shipped.embeddingPooling()).isEqualTo(EmbeddingPooling.AVG);
    assertThat(shipped.embeddingL2()).isTrue();
    assertThat(ModelSpec.fromOptions(shipped.toOptions())).as("round trip").isEqualTo(shipped);

    // [1, 2, 2, 2] channels last: channel 0 holds 1,2,3,6 (mean 3), channel 1 holds 4 everywhere (mean 4): (3, 4) / 5.
    float[] pooled = shipped.toEmbeddings(new float[] {1, 4, 2, 4, 3, 4, 6, 4}, new long[] {1, 2, 2, 2});
    assertThat(pooled).containsExactly(new float[] {0.6f, 0.8f}, org.assertj.core.data.Offset.offset(1e-6f));
    // Channels first for the other engines: [1, 2, 1, 2].
    assertThat(EmbeddingPooling.AVG.apply(new float[] {1, 5, 4, 4}, new long[] {1, 2, 1, 2}, false, false)).containsExactly(3f, 4f);
    assertThat(EmbeddingPooling.NONE.apply(new float[] {0, 0}, new long[] {1, 2}, false, true))
        .as("a zero vector stays zero, not NaN").containsExactly(0f, 0f);

    Map<String, String> onnxWithName = minimal();
    onnxWithName.put("output.embedding", "features");
    assertThatThrownBy(() -> ModelSpec.fromOptions(onnxWithName)).hasMessageContaining("'output.embedding' is the index");
    Map<String, String> badPool = minimal();
    badPool.put("output.embedding.pool", "max");
    assertThatThrownBy(() -> ModelSpec.fromOptions(badPool)).hasMessageContaining("'output.embedding.pool' must be none or avg");
  }

  @Test
  void toStringMasksCredentials() {
    Map<String, String> m = minimal();
    m.put("uri", "s3a://AKIAEXAMPLE:SuperSecret123@bucket/m.onnx");
    String text = ModelSpec.fromOptions(m).toString();
    assertThat(text).as("secrets never reach logs").doesNotContain("SuperSecret123").doesNotContain("AKIAEXAMPLE").contains("s3a://***@bucket/m.onnx");
  }

  @Test
  void catalogResolvesNamesAndMakesPathsAbsolute() {
    ModelCatalog catalog = new ModelCatalog(TestPaths.home());
    ModelSpec spec = catalog.resolve("ppocr-orientation");
    assertThat(spec.modelUri()).startsWith(TestPaths.home().toString()).endsWith("ch_ppocr_mobile_v2.0_cls_infer.onnx");
    assertThat(spec.resizeMode()).isEqualTo(ResizeMode.FIT_HEIGHT);
    assertThatThrownBy(() -> catalog.resolve("no-such-model"))
        .hasMessageContaining("Model 'no-such-model' not found").hasMessageContaining("fashion-cnn");
  }
}

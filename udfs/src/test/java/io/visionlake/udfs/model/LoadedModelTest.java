package io.visionlake.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weights that are not what the spec says must stop the load, not score images with random weights. */
@UnitTest
class LoadedModelTest {
  @TempDir Path tmp;

  @Test
  void theDefaultModelsParametersLoad() {
    LoadedModel model = LoadedModel.load(spec(TestPaths.required("models/fashion-cnn/fashion-cnn-0000.params")), new Configuration(), 1,
        Device.cpu());
    assertThat(model.labels()).hasSize(10);
  }

  @Test
  void garbageInADjlParamsFileIsAnUnavailableModel() throws Exception {
    byte[] garbage = new byte[4096];
    new Random(3).nextBytes(garbage);
    Path file = Files.write(Files.createDirectories(tmp.resolve("garbage")).resolve("fashion-cnn-0000.params"), garbage);
    // Before the magic check DJL returned the block with random weights and every image got noise.
    assertThatThrownBy(() -> LoadedModel.load(spec(file), new Configuration(), 1, Device.cpu()))
        .isInstanceOf(ModelUnavailableException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not a DJL parameters file");
  }

  @Test
  void aTruncatedDjlParamsFileIsAnUnavailableModel() throws Exception {
    byte[] real = Files.readAllBytes(TestPaths.required("models/fashion-cnn/fashion-cnn-0000.params"));
    Path file = Files.write(Files.createDirectories(tmp.resolve("truncated")).resolve("fashion-cnn-0000.params"),
        Arrays.copyOf(real, real.length / 2));
    assertThatThrownBy(() -> LoadedModel.load(spec(file), new Configuration(), 1, Device.cpu()))
        .isInstanceOf(ModelUnavailableException.class)
        .hasMessageContaining("fashion-cnn");
  }

  private static ModelSpec spec(Path params) {
    return ModelSpec.builder()
        .fromOptions(java.util.Map.of(
            "name", "fashion-cnn", "version", "1", "engine", "PyTorch", "uri", params.toString(), "block", "fashion-cnn",
            "labels", TestPaths.required("models/fashion-cnn/labels.txt").toString(), "input.width", "28", "input.height", "28",
            "input.color", "GRAY", "output.classes", "0"))
        .build();
  }
}

package io.visionlake.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.visionlake.udfs.testing.UnitTest;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** Device selection from Spark task resources: pure logic, no GPU needed. */
@UnitTest
class TaskDeviceTest {
  static Map<String, ResourceInformation> gpus(String... addresses) {
    return Map.of(TaskDevice.GPU, new ResourceInformation(TaskDevice.GPU, addresses));
  }

  @Test
  void autoTakesTheGpuSparkAssignedToTheTask() {
    assertThat(TaskDevice.choose(DeviceChoice.AUTO, gpus("3"), "m")).isEqualTo(Device.gpu(3));
    assertThat(TaskDevice.choose(DeviceChoice.GPU, gpus("0"), "m")).isEqualTo(Device.gpu(0));
  }

  @Test
  void aTaskHoldingSeveralGpusRunsTheModelOnTheFirst() {
    assertThat(TaskDevice.choose(DeviceChoice.AUTO, gpus("2", "5"), "m")).isEqualTo(Device.gpu(2));
  }

  @Test
  void autoFallsBackToTheCpuWithoutTaskGpus() {
    assertThat(TaskDevice.choose(DeviceChoice.AUTO, Map.of(), "m")).isEqualTo(Device.cpu());
    assertThat(TaskDevice.choose(DeviceChoice.AUTO, gpus(), "m")).as("gpu resource with no address").isEqualTo(Device.cpu());
    assertThat(TaskDevice.choose(DeviceChoice.AUTO,
        Map.of("fpga", new ResourceInformation("fpga", new String[] {"0"})), "m")).as("other resources are not GPUs").isEqualTo(Device.cpu());
  }

  @Test
  void cpuIgnoresAssignedGpus() {
    assertThat(TaskDevice.choose(DeviceChoice.CPU, gpus("1"), "m")).isEqualTo(Device.cpu());
  }

  @Test
  void gpuRequiredButNotAssignedSaysWhatToConfigure() {
    assertThatThrownBy(() -> TaskDevice.choose(DeviceChoice.GPU, Map.of(), "resnet"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'resnet'").hasMessageContaining("spark.task.resource.gpu.amount")
        .hasMessageContaining("spark.executor.resource.gpu.amount");
  }

  @Test
  void nonNumericAddressIsRejectedWithTheAddress() {
    assertThatThrownBy(() -> TaskDevice.choose(DeviceChoice.AUTO, gpus("GPU-5f1c"), "m"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("'GPU-5f1c'").hasMessageContaining("discovery script");
  }

  @Test
  void outsideATaskAutoIsTheCpu() {
    assertThat(TaskDevice.forCurrentTask(DeviceChoice.AUTO, "m")).isEqualTo(Device.cpu());
  }

  @Test
  void specFilesNameTheDevice() {
    ModelSpec base = ModelSpec.builder().setName("m").setEngine(ModelSpec.ENGINE_ONNX).setModelUri("m.onnx").setInputSize(8, 8)
        .optEmbeddingOutput(0).build();
    assertThat(base.device()).as("default").isEqualTo(DeviceChoice.AUTO);
    assertThat(base.toOptions()).as("the default is not written out").doesNotContainKey(ModelSpec.Keys.DEVICE);
    java.util.Map<String, String> options = new java.util.TreeMap<>(base.toOptions());
    options.put(ModelSpec.Keys.DEVICE, "GPU");
    ModelSpec gpu = ModelSpec.fromOptions(options);
    assertThat(gpu.device()).isEqualTo(DeviceChoice.GPU);
    assertThat(gpu).as("device is part of the spec's identity").isNotEqualTo(base);
    assertThat(gpu.toBuilder().build()).isEqualTo(gpu);
    options.put(ModelSpec.Keys.DEVICE, "tpu");
    assertThatThrownBy(() -> ModelSpec.fromOptions(options)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'device' must be auto, cpu or gpu, got 'tpu'");
  }
}

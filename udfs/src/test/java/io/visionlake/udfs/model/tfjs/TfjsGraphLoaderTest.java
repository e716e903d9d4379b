package io.visionlake.udfs.model.tfjs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.udfs.analyze.objects.Nms;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TF.js graph model written by hand, with what the converter does to real ones: a
 * {@code _FusedConv2D} (BiasAdd + Relu) without {@code TArgs}, float16 weights and an int64 shape
 * constant stored as int32. Loaded and run by TensorFlow; the output is worked out by hand.
 */
@UnitTest
class TfjsGraphLoaderTest {
  @Test
  void fusedConvFloat16AndWidenedInt64RunAsTheConverterMeantThem(@TempDir Path dir) throws Exception {
    Path json = writeModel(dir, "[\"BiasAdd\", \"Relu\"]");
    try (TfGraphModel model = TfGraphModel.load(json, 1)) {
      TfGraphModel.Output out = model.run("x", new float[] {-1, 0, 1, 2}, new long[] {1, 2, 2, 1}, "out").get(0);
      // relu(2 * x + 0.5), reshaped by the int64 shape [1, 4]
      assertThat(out.shape()).containsExactly(1, 4);
      assertThat(out.values()).containsExactly(0f, 0.5f, 2.5f, 4.5f);
    }
  }

  @Test
  void aFusionWithoutAStandardEquivalentIsRefusedByName(@TempDir Path dir) throws Exception {
    Path json = writeModel(dir, "[\"BiasAdd\", \"Prelu\"]");
    assertThatThrownBy(() -> TfjsGraphLoader.load(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'conv'")
        .hasMessageContaining("[BiasAdd, Prelu]");
  }

  @Test
  void truncatedShardsNameTheWeight(@TempDir Path dir) throws Exception {
    Path json = writeModel(dir, "[\"BiasAdd\", \"Relu\"]");
    Files.write(dir.resolve("group1-shard1of1.bin"), new byte[3]);
    assertThatThrownBy(() -> TfjsGraphLoader.load(json))
        .hasMessageContaining("weight 'b'")
        .hasMessageContaining("truncated or wrong .bin file");
  }

  @Test
  void halfPrecisionValues() {
    assertThat(TfjsGraphLoader.halfToFloat((short) 0x3c00)).isEqualTo(1f);
    assertThat(TfjsGraphLoader.halfToFloat((short) 0xc000)).isEqualTo(-2f);
    assertThat(TfjsGraphLoader.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
    assertThat(TfjsGraphLoader.halfToFloat((short) 0x0001)).isEqualTo((float) Math.pow(2, -24));
    assertThat(TfjsGraphLoader.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
  }

  @Test
  void nmsFollowsTfjsAtItsThresholds() {
    // boxes as y1, x1, y2, x2: box 1 overlaps box 0 with IoU 0.6, box 2 with IoU exactly 1/3.
    float[] boxes = {0, 0, 10, 10, 0, 2.5f, 10, 12.5f, 0, 5, 10, 15, 20, 20, 30, 30};
    float[] scores = {0.9f, 0.8f, 0.7f, 0.25f};
    assertThat(Nms.select(boxes, scores, 10, 0.5f, 0.25f)).as("box 1 suppressed, box 3 not above 0.25").containsExactly(0, 2);
    assertThat(Nms.select(boxes, scores, 1, 0.5f, 0.1f)).containsExactly(0);
    assertThat(Nms.select(boxes, scores, 10, 0.7f, 0.1f)).containsExactly(0, 1, 2, 3);
    // tfjs compares the float32 score 0.2f (0.2000000030) with the JavaScript number 0.2: above it.
    assertThat(Nms.select(boxes, new float[] {0.9f, 0.8f, 0.7f, 0.2f}, 10, 0.5f, 0.2f))
        .as("a score of 0.2f is above minScore 0.2 in tfjs").containsExactly(0, 2, 3);
    // tfjs suppresses at iou >= iouThreshold: box 1 covers half of box 0, IoU exactly 0.5.
    float[] half = {0, 0, 10, 10, 0, 0, 10, 5};
    assertThat(Nms.select(half, new float[] {0.9f, 0.8f}, 10, 0.5f, 0.1f)).as("IoU equal to the threshold suppresses")
        .containsExactly(0);
  }

  private static Path writeModel(Path dir, String fusedOps) throws Exception {
    String topology = """
        {"node": [
          {"name": "x", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"},
            "shape": {"shape": {"dim": [{"size": "1"}, {"size": "2"}, {"size": "2"}, {"size": "1"}]}}}},
          {"name": "w", "op": "Const", "attr": {"dtype": {"type": "DT_FLOAT"}, "value": {"tensor": {"dtype": "DT_FLOAT", "tensorShape": {}}}}},
          {"name": "b", "op": "Const", "attr": {"dtype": {"type": "DT_FLOAT"}, "value": {"tensor": {"dtype": "DT_FLOAT", "tensorShape": {}}}}},
          {"name": "shape", "op": "Const", "attr": {"dtype": {"type": "DT_INT64"}, "value": {"tensor": {"dtype": "DT_INT64", "tensorShape": {}}}}},
          {"name": "conv", "op": "_FusedConv2D", "input": ["x", "w", "b"], "device": "/device:CPU:0", "attr": {
            "T": {"type": "DT_FLOAT"}, "strides": {"list": {"i": ["1", "1", "1", "1"]}}, "padding": {"s": "%s"},
            "data_format": {"s": "%s"}, "dilations": {"list": {"i": ["1", "1", "1", "1"]}}, "num_args": {"i": "1"},
            "epsilon": {"f": 0}, "explicit_paddings": {"list": {}}, "use_cudnn_on_gpu": {"b": true},
            "fused_ops": {"list": {"s": [%s]}}}},
          {"name": "out", "op": "Reshape", "input": ["conv", "shape"], "attr": {"T": {"type": "DT_FLOAT"}, "Tshape": {"type": "DT_INT64"}}}
        ], "library": {}, "versions": {}}
        """.formatted(b64("SAME"), b64("NHWC"),
        String.join(", ", List.of(fusedOps.replaceAll("[\\[\\]\" ]", "").split(",")).stream().map(s -> "\"" + b64(s) + "\"").toList()));
    String manifest = """
        [{"paths": ["group1-shard1of1.bin"], "weights": [
          {"name": "w", "shape": [1, 1, 1, 1], "dtype": "float32", "quantization": {"dtype": "float16", "original_dtype": "float32"}},
          {"name": "b", "shape": [1], "dtype": "float32", "quantization": {"dtype": "float16", "original_dtype": "float32"}},
          {"name": "shape", "shape": [2], "dtype": "int32"}]}]
        """;
    Path json = dir.resolve("model.json");
    Files.writeString(json, "{\"format\": \"graph-model\", \"modelTopology\": " + topology + ", \"weightsManifest\": " + manifest + "}");
    ByteBuffer bin = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    bin.putShort((short) 0x4000).putShort((short) 0x3800).putInt(1).putInt(4);
    Files.write(dir.resolve("group1-shard1of1.bin"), bin.array());
    return json;
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}

package io.visionlake.udfs.analyze.faces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.visionlake.udfs.testing.UnitTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** face-api's weight manifests: uint8-quantised, float32 and quantised int32 tensors over two shards. */
@UnitTest
class FaceApiWeightsTest {
  @Test
  void decodesQuantisedAndFloatTensorsInManifestOrder(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("net-weights_manifest.json"), """
        [{"paths": ["net.bin", "net2.bin"], "weights": [
          {"name": "conv/filters", "shape": [1, 1, 1, 3], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1}},
          {"name": "conv/bias", "shape": [2], "dtype": "float32"},
          {"name": "stack/1", "shape": [], "dtype": "int32", "quantization": {"dtype": "uint8", "scale": 1, "min": 3072}}]}]
        """);
    ByteBuffer b = ByteBuffer.allocate(3 + 8 + 1).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0).put((byte) 2).put((byte) 255).putFloat(1.25f).putFloat(-7f).put((byte) 4);
    byte[] all = b.array();
    // Shards are one byte stream: a tensor may span two files.
    Files.write(dir.resolve("net.bin"), java.util.Arrays.copyOfRange(all, 0, 5));
    Files.write(dir.resolve("net2.bin"), java.util.Arrays.copyOfRange(all, 5, all.length));

    FaceApiWeights w = FaceApiWeights.load(dir, "net");
    assertThat(w.count()).isEqualTo(3);
    assertThat(w.get("conv/filters", 4).values()).containsExactly(new float[] {-1f, 0f, 126.5f}, within(1e-6f));
    assertThat(w.get("conv/filters", 4).shape()).containsExactly(1, 1, 1, 3);
    assertThat(w.get("conv/bias", 1).values()).containsExactly(1.25f, -7f);
    assertThat(w.get("stack/1", 0).values()).containsExactly(3076f);
    assertThatThrownBy(() -> w.get("conv/bias", 4)).hasMessageContaining("expected rank 4");
    assertThatThrownBy(() -> w.get("nope", 1)).hasMessageContaining("no weight 'nope'");

    Files.write(dir.resolve("net2.bin"), java.util.Arrays.copyOfRange(all, 5, 8));
    assertThatThrownBy(() -> FaceApiWeights.load(dir, "net")).hasMessageContaining("shards end inside tensor conv/bias");
    assertThatThrownBy(() -> FaceApiWeights.load(dir, "other")).hasMessageContaining("run scripts/setup");
  }
}

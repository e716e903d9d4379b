package io.visionlake.udfs.model;

import ai.djl.nn.Block;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Architectures defined in code, for weights saved as DJL {@code .params} files (which hold
 * parameters but not the graph). A spec names one with {@code block=}; TorchScript and ONNX files
 * carry their own graph and need none.
 */
public final class ModelArchitectures {
  private static final Map<String, Supplier<Block>> BLOCKS = new TreeMap<>();

  static {
    BLOCKS.put("fashion-cnn", FashionCnn::newBlock);
    // Near-duplicate search's embedding: no weights, the thumbnail itself (see the class).
    BLOCKS.put(TinyImageEmbedding.NAME, TinyImageEmbedding::newBlock);
    // The heavy benchmark workload (scripts/bench): ResNet-50 v1 for 3x224x224 inputs, 1000 classes.
    BLOCKS.put("resnet50", () -> ai.djl.basicmodelzoo.cv.classification.ResNetV1.builder()
        .setImageShape(new ai.djl.ndarray.types.Shape(3, 224, 224)).setNumLayers(50).setOutSize(1000).build());
  }

  private ModelArchitectures() {}

  public static Block newBlock(String name) {
    Supplier<Block> factory = BLOCKS.get(name);
    if (factory == null) {
      throw new IllegalArgumentException(
          "Unknown model block '" + name + "'; known blocks: " + BLOCKS.keySet()
              + ". Leave 'block' unset for TorchScript or ONNX files.");
    }
    return factory.get();
  }
}

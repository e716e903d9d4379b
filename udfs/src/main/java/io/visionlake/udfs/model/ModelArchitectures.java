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

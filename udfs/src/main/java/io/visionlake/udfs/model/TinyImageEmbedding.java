package io.visionlake.udfs.model;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code tiny-image}: the "tiny image" descriptor (Torralba et al., 2008) as a parameter-free block,
 * the default embedding of near-duplicate search ({@code conf/models/tiny-image.properties}).
 *
 * <p>The spec's preprocessing does the work that matters: the image is area-resized to a thumbnail
 * (16x16 grey in the shipped spec) and scaled to 0..1. The block flattens it, subtracts the
 * image's own mean (so a brighter or darker copy stays close) and scales it to unit L2 norm, so
 * the Euclidean distance of two embeddings is {@code sqrt(2 - 2 * correlation)} and lies in [0, 2].
 *
 * <p>Why not the classifier's embedding: fashion-cnn sees a 28x28 grey stretch of the image
 * through filters trained on Fashion-MNIST. On the sample photos its (L2-normalised) distances of
 * 5%-cropped copies reach 0.36 while two distinct photos (apple, orange) are 0.28 apart, so no
 * threshold separates them; the tiny image keeps copies within 0.41 and distinct photos 0.89 or more apart
 * (see README "Similarity search"). It matches resized, re-encoded and lightly cropped copies,
 * not semantically similar images.
 *
 * <p>Output: {@code NDList(embedding [N, C*H*W])}, so a spec sets {@code output.embedding=0}.
 */
public final class TinyImageEmbedding extends AbstractBlock {
  public static final String NAME = "tiny-image";
  private static final byte VERSION = 1;
  private static final float EPSILON = 1e-6f;

  private TinyImageEmbedding() {
    super(VERSION);
  }

  public static Block newBlock() {
    return new TinyImageEmbedding();
  }

  /**
   * Writes the block's {@code .params} file ({@code tiny-image-0000.params}: a header and no
   * weights) into {@code dir}, so the model loads through the same path as every other block.
   * Returns the file.
   */
  public static Path writeParams(Path dir) {
    try (Model model = Model.newInstance(NAME, ModelSpec.ENGINE_PYTORCH)) {
      Files.createDirectories(dir);
      Block block = newBlock();
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 16, 16));
      model.setBlock(block);
      model.save(dir, NAME);
      return dir.resolve(NAME + "-0000.params");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the " + NAME + " model into " + dir, e);
    }
  }

  /** {@code TinyImageEmbedding DIR}: writes the params file (scripts/setup calls it). */
  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: TinyImageEmbedding <output dir>");
      System.exit(2);
    }
    System.out.println("wrote " + writeParams(Path.of(args[0])));
  }

  @Override
  protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.head();
    NDArray flat = x.reshape(x.getShape().get(0), -1);
    NDArray centred = flat.sub(flat.mean(new int[] {1}, true));
    NDArray norm = centred.square().sum(new int[] {1}, true).sqrt().add(EPSILON);
    return new NDList(centred.div(norm));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {new Shape(in.get(0), in.size() / in.get(0))};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    // no parameters
  }

  @Override
  public String toString() {
    return "TinyImageEmbedding(flatten, minus own mean, unit L2 norm)";
  }
}

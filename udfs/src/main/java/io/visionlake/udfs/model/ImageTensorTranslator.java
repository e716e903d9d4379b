package io.visionlake.udfs.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.nio.FloatBuffer;

/**
 * Turns an {@link ImageBatch} into the model's input tensor and its outputs into {@link
 * BatchOutput}. Batching is done by the caller (one contiguous buffer per batch), so this is a
 * {@link NoBatchifyTranslator}. It holds no Spark or loading code: pixels become floats in {@code
 * ImagePreprocessor}, which is where the spec's colour order and normalisation apply.
 *
 * <p>Every NDArray is created on the predict call's own manager, which DJL closes after the call:
 * native memory is released per batch.
 */
public final class ImageTensorTranslator implements NoBatchifyTranslator<ImageBatch, BatchOutput> {
  private final int classesOutput;
  private final Activation activation;
  private final int embeddingOutput;
  private final ModelSpec spec;

  public ImageTensorTranslator(ModelSpec spec) {
    this.classesOutput = spec.classesOutput();
    this.activation = spec.activation();
    this.embeddingOutput = spec.embeddingOutput();
    this.spec = spec;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, ImageBatch batch) {
    int n = batch.size();
    Shape shape = new Shape(n, batch.channels(), batch.height(), batch.width());
    NDArray input = ctx.getNDManager().create(FloatBuffer.wrap(batch.data(), 0, n * batch.imageLength()), shape);
    return new NDList(input);
  }

  @Override
  public BatchOutput processOutput(TranslatorContext ctx, NDList outputs) {
    NDArray first = outputs.get(0);
    int n = (int) first.getShape().get(0);
    float[] scores = null;
    int numClasses = 0;
    if (classesOutput >= 0) {
      NDArray classes = flatten(output(outputs, classesOutput), n);
      if (activation == Activation.SOFTMAX) {
        classes = classes.softmax(-1);
      }
      numClasses = (int) classes.getShape().get(1);
      scores = classes.toFloatArray();
    }
    float[] embeddings = null;
    int embeddingSize = 0;
    if (embeddingOutput >= 0) {
      NDArray embedding = output(outputs, embeddingOutput);
      embeddings = spec.toEmbeddings(embedding.toFloatArray(), embedding.getShape().getShape());
      embeddingSize = embeddings.length / n;
    }
    return new BatchOutput(n, scores, numClasses, embeddings, embeddingSize);
  }

  private static NDArray output(NDList outputs, int index) {
    if (index >= outputs.size()) {
      throw new IllegalStateException(
          "The model has " + outputs.size() + " output(s) but the spec asks for output " + index
              + "; fix output.classes / output.embedding in the model's spec file");
    }
    return outputs.get(index).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
  }

  /** Pooled feature maps such as [N, C, 1, 1] become [N, C]. */
  private static NDArray flatten(NDArray array, int n) {
    return array.getShape().dimension() == 2 ? array : array.reshape(n, -1);
  }
}

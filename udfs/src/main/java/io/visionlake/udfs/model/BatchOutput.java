package io.visionlake.udfs.model;

/** What a model produced for a batch: class scores and/or embeddings, row-major per image. */
public final class BatchOutput {
  private final int size;
  private final float[] scores;
  private final int numClasses;
  private final float[] embeddings;
  private final int embeddingSize;

  public BatchOutput(int size, float[] scores, int numClasses, float[] embeddings, int embeddingSize) {
    this.size = size;
    this.scores = scores;
    this.numClasses = numClasses;
    this.embeddings = embeddings;
    this.embeddingSize = embeddingSize;
  }

  public int size() {
    return size;
  }

  public int numClasses() {
    return numClasses;
  }

  public int embeddingSize() {
    return embeddingSize;
  }

  /** Scores of image {@code i} (probabilities after the spec's activation), or null. */
  public float[] scores(int i) {
    return slice(scores, numClasses, i);
  }

  /** Embedding of image {@code i}, or null. */
  public float[] embedding(int i) {
    return slice(embeddings, embeddingSize, i);
  }

  private float[] slice(float[] all, int width, int i) {
    if (all == null) {
      return null;
    }
    float[] out = new float[width];
    System.arraycopy(all, i * width, out, 0, width);
    return out;
  }
}

package io.visionlake.udfs.model;

/**
 * A batch of preprocessed images as one contiguous NCHW float buffer, filled in place so a
 * partition reuses the same array for every batch instead of allocating per image.
 */
public final class ImageBatch {
  private final int capacity;
  private final int channels;
  private final int height;
  private final int width;
  private final float[] data;
  private int size;

  public ImageBatch(int capacity, int channels, int height, int width) {
    this.capacity = capacity;
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.data = new float[capacity * imageLength()];
  }

  public int imageLength() {
    return channels * height * width;
  }

  /** Offset in {@link #data()} where the next image must be written. */
  public int nextOffset() {
    if (size == capacity) {
      throw new IllegalStateException("ImageBatch is full (" + capacity + ")");
    }
    return size * imageLength();
  }

  /** Marks the image at {@link #nextOffset()} as written. */
  public void commit() {
    size++;
  }

  public void clear() {
    size = 0;
  }

  public int size() {
    return size;
  }

  public boolean isFull() {
    return size == capacity;
  }

  public float[] data() {
    return data;
  }

  public int channels() {
    return channels;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }
}

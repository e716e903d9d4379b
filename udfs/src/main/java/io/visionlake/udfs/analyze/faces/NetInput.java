package io.visionlake.udfs.analyze.faces;

/**
 * face-api.js's {@code NetInput.toBatchTensor} for a tensor input: a region of the image, padded
 * with zeros to a square ({@code padToSquare}: appended after the image, or centred) and resized
 * with TF's legacy bilinear sampling ({@code resizeBilinear}, no align-corners, no half-pixel
 * centres) unless already of the net's size. Pixels are sampled straight from the image, so the
 * padded square is never materialised.
 */
final class NetInput {
  private NetInput() {}

  /**
   * Writes the {@code size x size x 3} net input of region ({@code x0, y0, w, h}) of {@code image}
   * into {@code out} at {@code offset}.
   */
  static void write(RgbImage image, int x0, int y0, int w, int h, boolean centre, int size, float[] out, int offset) {
    int side = Math.max(w, h);
    int diff = Math.abs(w - h);
    // padToSquare: round(diff * 0.5) appended, the rest prepended when centred; all appended otherwise.
    int before = centre ? diff - (int) Math.round(diff * 0.5) : 0;
    int padLeft = w < h ? before : 0;
    int padTop = h < w ? before : 0;
    if (side == size) {
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          for (int c = 0; c < 3; c++) {
            out[offset + (y * size + x) * 3 + c] = sample(image, x0, y0, w, h, padLeft, padTop, y, x, c);
          }
        }
      }
      return;
    }
    float ratio = (float) side / size;
    int[] c0 = new int[size];
    int[] c1 = new int[size];
    float[] cf = new float[size];
    for (int x = 0; x < size; x++) {
      float src = ratio * x;
      c0[x] = Math.max(0, (int) Math.floor(src));
      c1[x] = Math.min(side - 1, (int) Math.ceil(src));
      cf[x] = src - c0[x];
    }
    for (int y = 0; y < size; y++) {
      float src = ratio * y;
      int r0 = Math.max(0, (int) Math.floor(src));
      int r1 = Math.min(side - 1, (int) Math.ceil(src));
      float rf = src - r0;
      for (int x = 0; x < size; x++) {
        for (int c = 0; c < 3; c++) {
          float tl = sample(image, x0, y0, w, h, padLeft, padTop, r0, c0[x], c);
          float tr = sample(image, x0, y0, w, h, padLeft, padTop, r0, c1[x], c);
          float bl = sample(image, x0, y0, w, h, padLeft, padTop, r1, c0[x], c);
          float br = sample(image, x0, y0, w, h, padLeft, padTop, r1, c1[x], c);
          float top = tl + (tr - tl) * cf[x];
          float bottom = bl + (br - bl) * cf[x];
          out[offset + (y * size + x) * 3 + c] = top + (bottom - top) * rf;
        }
      }
    }
  }

  /** Pixel (row, col) of the padded square: the region's pixel, or 0 in the padding. */
  private static float sample(RgbImage image, int x0, int y0, int w, int h, int padLeft, int padTop, int row, int col, int c) {
    int x = col - padLeft;
    int y = row - padTop;
    if (x < 0 || y < 0 || x >= w || y >= h) {
      return 0f;
    }
    return image.at(y0 + y, x0 + x, c);
  }
}

package io.visionlake.udfs.inference;

import io.visionlake.udfs.model.ColorOrder;
import io.visionlake.udfs.model.ImageBatch;
import io.visionlake.udfs.model.ModelSpec;
import java.util.Arrays;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Writes a decoded BGR image into the next slot of an {@link ImageBatch} the way the model's spec
 * says: colour order, resize mode, then {@code (pixel / scale - mean) / std} in CHW layout. The
 * normalisation is folded into one multiply-add per pixel and done while transposing HWC to CHW,
 * so there is no intermediate float image. One instance per partition (it reuses a scratch buffer).
 */
public final class ImagePreprocessor {
  private final ModelSpec spec;
  private final int width;
  private final int height;
  private final int channels;
  private final float[] multiplier;
  private final float[] offset;
  private byte[] scratch = new byte[0];

  public ImagePreprocessor(ModelSpec spec) {
    this.spec = spec;
    this.width = spec.inputWidth();
    this.height = spec.inputHeight();
    this.channels = spec.colorOrder().channels();
    float[] mean = spec.mean();
    float[] std = spec.std();
    this.multiplier = new float[channels];
    this.offset = new float[channels];
    for (int c = 0; c < channels; c++) {
      multiplier[c] = 1f / (spec.scale() * std[c]);
      offset[c] = -mean[c] / std[c];
    }
  }

  /** The smallest decode size that keeps full quality after resizing: lets JPEG decode at 1/2..1/8. */
  public int minDecodeWidth() {
    return spec.resizeMode() == io.visionlake.udfs.model.ResizeMode.FIT_HEIGHT ? 0 : width;
  }

  public int minDecodeHeight() {
    return height;
  }

  public void write(Mat bgr, ImageBatch batch) {
    Mat colour = convertColour(bgr);
    Mat resized = new Mat();
    try {
      int iw = colour.cols();
      int ih = colour.rows();
      int tw;
      int th;
      switch (spec.resizeMode()) {
        case PAD: {
          double s = Math.min((double) width / iw, (double) height / ih);
          tw = clamp((int) Math.round(iw * s), width);
          th = clamp((int) Math.round(ih * s), height);
          break;
        }
        case FIT_HEIGHT:
          th = height;
          tw = clamp((int) Math.ceil((double) height * iw / ih), width);
          break;
        default:
          tw = width;
          th = height;
      }
      int interpolation = tw < iw || th < ih ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR;
      Imgproc.resize(colour, resized, new Size(tw, th), 0, 0, interpolation);
      int length = tw * th * channels;
      if (scratch.length < length) {
        scratch = new byte[length];
      }
      resized.get(0, 0, scratch);
      float[] dest = batch.data();
      int base = batch.nextOffset();
      int plane = width * height;
      if (tw != width || th != height) {
        Arrays.fill(dest, base, base + batch.imageLength(), 0f);
      }
      for (int y = 0; y < th; y++) {
        int row = y * tw * channels;
        int outRow = base + y * width;
        for (int x = 0; x < tw; x++) {
          int px = row + x * channels;
          for (int c = 0; c < channels; c++) {
            dest[outRow + c * plane + x] = (scratch[px + c] & 0xff) * multiplier[c] + offset[c];
          }
        }
      }
      batch.commit();
    } finally {
      resized.release();
      if (colour != bgr) {
        colour.release();
      }
    }
  }

  private Mat convertColour(Mat bgr) {
    if (spec.colorOrder() == ColorOrder.BGR) {
      return bgr;
    }
    Mat out = new Mat();
    Imgproc.cvtColor(bgr, out, spec.colorOrder() == ColorOrder.GRAY ? Imgproc.COLOR_BGR2GRAY : Imgproc.COLOR_BGR2RGB);
    return out;
  }

  private static int clamp(int value, int max) {
    return Math.max(1, Math.min(max, value));
  }
}

package io.visionlake.udfs.analyze.faces;

import io.visionlake.udfs.model.tfjs.TfGraphModel;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * face-api.js's face detector ({@code src/ssdMobilenetv1}): SSD on MobileNetV1, 512x512 input, 5118
 * anchors ("priors", the manifest's {@code Output/extra_dim}) in six feature maps, one face class.
 * The graph computes the raw box encodings and class logits; decoding, the sigmoid and face-api's
 * own greedy NMS (IoU 0.5) run here in Java, as {@code SsdMobilenetv1.locateFaces} does.
 */
public final class SsdMobilenetV1 implements AutoCloseable {
  public static final String MODEL = "ssd_mobilenetv1_model";
  public static final int INPUT_SIZE = 512;
  static final int ANCHORS = 5118;
  private static final float BN_EPSILON = 0.0010000000474974513f;
  private static final double IOU_THRESHOLD = 0.5;

  private final TfGraphModel model;
  private final float[] priors;

  private SsdMobilenetV1(TfGraphModel model, float[] priors) {
    this.model = model;
    this.priors = priors;
  }

  /** Builds the graph from face-api's weights; {@code threads} intra-op threads. */
  public static SsdMobilenetV1 create(FaceApiWeights w, int threads) {
    NetBuilder b = new NetBuilder(w);
    Operand<TFloat32> x = b.input("input", INPUT_SIZE);
    // face-api: tf.sub(tf.div(batch, 127.5), 1)
    x = b.tf.math.sub(b.tf.math.div(x, b.scalar(127.5f)), b.scalar(1f));
    x = pointwise(b, x, "MobilenetV1/Conv2d_0_pointwise", 2);
    Operand<TFloat32> conv11 = null;
    for (int i = 1; i <= 13; i++) {
      int stride = i == 2 || i == 4 || i == 6 || i == 12 ? 2 : 1;
      x = depthwiseBn(b, w, x, "MobilenetV1/Conv2d_" + i + "_depthwise", stride);
      x = pointwise(b, x, "MobilenetV1/Conv2d_" + i + "_pointwise", 1);
      if (i == 11) {
        conv11 = x;
      }
    }
    List<Operand<TFloat32>> maps = new ArrayList<>();
    maps.add(conv11);
    maps.add(x);
    Operand<TFloat32> p = x;
    for (int i = 0; i < 8; i++) {
      p = pointwise(b, p, "Prediction/Conv2d_" + i + "_pointwise", i % 2 == 1 ? 2 : 1);
      if (i % 2 == 1) {
        maps.add(p);
      }
    }
    List<Operand<TFloat32>> boxes = new ArrayList<>();
    List<Operand<TFloat32>> classes = new ArrayList<>();
    int total = 0;
    for (int i = 0; i < maps.size(); i++) {
      Operand<TFloat32> map = maps.get(i);
      String prefix = "Prediction/BoxPredictor_" + i;
      Operand<TFloat32> enc = b.bias(b.conv2d(map, prefix + "/BoxEncodingPredictor/weights", 1, "SAME"), prefix + "/BoxEncodingPredictor/biases");
      Operand<TFloat32> cls = b.bias(b.conv2d(map, prefix + "/ClassPredictor/weights", 1, "SAME"), prefix + "/ClassPredictor/biases");
      int cells = (int) (NetBuilder.dim(enc, 1) * NetBuilder.dim(enc, 2) * NetBuilder.dim(enc, 3) / 4);
      total += cells;
      boxes.add(b.reshape(enc, -1, cells, 4));
      classes.add(b.reshape(cls, -1, cells, 3));
    }
    if (total != ANCHORS) {
      throw new IllegalStateException("SSD graph has " + total + " anchors, face-api's has " + ANCHORS);
    }
    b.output("boxes", b.tf.concat(boxes, b.tf.constant(1)));
    b.output("classes", b.tf.concat(classes, b.tf.constant(1)));
    FaceApiWeights.Tensor extra = w.get("Output/extra_dim", 3);
    if (extra.size() != ANCHORS * 4) {
      throw new IllegalArgumentException("Output/extra_dim holds " + extra.size() + " values, expected " + ANCHORS * 4);
    }
    return new SsdMobilenetV1(TfGraphModel.of(b.graph, threads), extra.values());
  }

  /** face-api's pointwiseConvLayer: conv (its filter size, 'same') + batch-norm offset, clipped to 0..6. */
  private static Operand<TFloat32> pointwise(NetBuilder b, Operand<TFloat32> x, String prefix, int stride) {
    return b.relu6(b.bias(b.conv2d(x, prefix + "/weights", stride, "SAME"), prefix + "/convolution_bn_offset"));
  }

  /** face-api's depthwiseConvLayer: depthwise 3x3 ('same'), batch norm (epsilon 0.001), clipped to 0..6. */
  private static Operand<TFloat32> depthwiseBn(NetBuilder b, FaceApiWeights w, Operand<TFloat32> x, String prefix, int stride) {
    float[] mean = w.get(prefix + "/BatchNorm/moving_mean", 1).values();
    float[] variance = w.get(prefix + "/BatchNorm/moving_variance", 1).values();
    float[] scale = w.get(prefix + "/BatchNorm/gamma", 1).values();
    float[] offset = w.get(prefix + "/BatchNorm/beta", 1).values();
    // (x - mean) * scale / sqrt(var + eps) + offset, folded into one multiply and one add.
    float[] mul = new float[mean.length];
    float[] add = new float[mean.length];
    for (int c = 0; c < mean.length; c++) {
      mul[c] = (float) (scale[c] / Math.sqrt(variance[c] + BN_EPSILON));
      add[c] = offset[c] - mean[c] * mul[c];
    }
    Operand<TFloat32> out = b.depthwise(x, prefix + "/depthwise_weights", stride);
    out = b.tf.nn.biasAdd(b.tf.math.mul(out, b.constant(mul, mul.length)), b.constant(add, add.length));
    return b.relu6(out);
  }

  /** Raw outputs for a batch of 512x512 RGB inputs (0..255): box encodings [n,5118,4] and class logits [n,5118,3]. */
  public List<TfGraphModel.Output> raw(float[] batch, int n) {
    return model.run("input", batch, new long[] {n, INPUT_SIZE, INPUT_SIZE, 3}, "boxes", "classes");
  }

  /**
   * Faces in each of {@code n} images given as one 512x512 batch ({@link NetInput#ssd}), as face-api
   * reports them: box in the image's pixels (not rounded), score, best first.
   */
  public List<List<Detection>> detect(float[] batch, List<RgbImage> images, float minConfidence, int maxResults) {
    int n = images.size();
    List<TfGraphModel.Output> out = raw(batch, n);
    float[] enc = out.get(0).values();
    float[] cls = out.get(1).values();
    List<List<Detection>> result = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      float[] boxes = decode(enc, i * ANCHORS * 4);
      float[] scores = new float[ANCHORS];
      for (int a = 0; a < ANCHORS; a++) {
        scores[a] = sigmoid(cls[(i * ANCHORS + a) * 3 + 1]);
      }
      result.add(locate(boxes, scores, images.get(i), minConfidence, maxResults));
    }
    return result;
  }

  /** One detection: box in image pixels as face-api computes it, and its score. */
  public record Detection(double x, double y, double width, double height, float score) {}

  private List<Detection> locate(float[] boxes, float[] scores, RgbImage image, float minConfidence, int maxResults) {
    List<Integer> keep = FaceNms.select(boxes, scores, maxResults, IOU_THRESHOLD, minConfidence);
    int w = image.width();
    int h = image.height();
    // face-api: boxes are relative to the padded square; rescale by inputSize / reshaped size.
    double scale = (double) INPUT_SIZE / Math.max(w, h);
    double padX = (double) INPUT_SIZE / Math.round(w * scale);
    double padY = (double) INPUT_SIZE / Math.round(h * scale);
    List<Detection> out = new ArrayList<>(keep.size());
    for (int idx : keep) {
      double top = Math.max(0, (double) boxes[4 * idx]) * padY;
      double bottom = Math.min(1.0, (double) boxes[4 * idx + 2]) * padY;
      double left = Math.max(0, (double) boxes[4 * idx + 1]) * padX;
      double right = Math.min(1.0, (double) boxes[4 * idx + 3]) * padX;
      // new FaceDetection(score, Rect(relative), imageDims): box = relative rect rescaled to the image.
      out.add(new Detection(left * w, top * h, (right - left) * w, (bottom - top) * h, scores[idx]));
    }
    return out;
  }

  /** face-api's decodeBoxesLayer: [ymin, xmin, ymax, xmax] per anchor, relative to the padded square. */
  private float[] decode(float[] enc, int offset) {
    float[] out = new float[ANCHORS * 4];
    for (int a = 0; a < ANCHORS; a++) {
      int p = 4 * a;
      float size0 = priors[p + 2] - priors[p];
      float size1 = priors[p + 3] - priors[p + 1];
      float center0 = priors[p] + size0 / 2;
      float center1 = priors[p + 1] + size1 / 2;
      int e = offset + p;
      float div0 = (float) Math.exp(enc[e + 2] / 5f) * size0 / 2;
      float add0 = enc[e] / 10f * size0 + center0;
      float div1 = (float) Math.exp(enc[e + 3] / 5f) * size1 / 2;
      float add1 = enc[e + 1] / 10f * size1 + center1;
      out[p] = add0 - div0;
      out[p + 1] = add1 - div1;
      out[p + 2] = add0 + div0;
      out[p + 3] = add1 + div1;
    }
    return out;
  }

  private static float sigmoid(float x) {
    return (float) (1 / (1 + Math.exp(-x)));
  }

  @Override
  public void close() {
    model.close();
  }
}

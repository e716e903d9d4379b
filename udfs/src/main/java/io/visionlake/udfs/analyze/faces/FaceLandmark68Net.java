package io.visionlake.udfs.analyze.faces;

import io.visionlake.udfs.model.tfjs.TfGraphModel;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * face-api.js's {@code FaceLandmark68Net} ({@code src/faceLandmarkNet}, {@code
 * src/faceFeatureExtractor}): four dense blocks of depthwise-separable convolutions on a 112x112
 * face, a 7x7 average pool and a fully connected layer giving 68 (x, y) points relative to the
 * net's square input.
 */
public final class FaceLandmark68Net implements AutoCloseable {
  public static final String MODEL = "face_landmark_68_model";
  public static final int INPUT_SIZE = 112;
  /** The networks' mean RGB ({@code normalize(x, meanRgb).div(255)}). */
  static final float[] MEAN_RGB = {122.782f, 117.001f, 104.298f};

  private final TfGraphModel model;

  private FaceLandmark68Net(TfGraphModel model) {
    this.model = model;
  }

  public static FaceLandmark68Net create(FaceApiWeights w, int threads) {
    NetBuilder b = new NetBuilder(w);
    Operand<TFloat32> x = normalized(b, b.input("input", INPUT_SIZE));
    x = denseBlock4(b, x, "dense0", true);
    x = denseBlock4(b, x, "dense1", false);
    x = denseBlock4(b, x, "dense2", false);
    x = denseBlock4(b, x, "dense3", false);
    x = b.avgPool(x, 7, 2);
    x = b.reshape(x, -1, (int) NetBuilder.dim(x, 3));
    b.output("landmarks", b.tf.nn.biasAdd(b.tf.linalg.matMul(x, b.weight("fc/weights", 2)), b.weight("fc/bias", 1)));
    return new FaceLandmark68Net(TfGraphModel.of(b.graph, threads));
  }

  /** {@code normalize(x, meanRgb).div(255)}. */
  static Operand<TFloat32> normalized(NetBuilder b, Operand<TFloat32> x) {
    return b.tf.math.div(b.tf.math.sub(x, b.constant(MEAN_RGB.clone(), 1, 1, 1, 3)), b.scalar(255f));
  }

  /** face-api's denseBlock4 (scale-down: the first convolution has stride 2). */
  private static Operand<TFloat32> denseBlock4(NetBuilder b, Operand<TFloat32> x, String p, boolean first) {
    Operand<TFloat32> out1 = b.relu(first
        ? b.bias(b.conv2d(x, p + "/conv0/filters", 2, "SAME"), p + "/conv0/bias")
        : separable(b, x, p + "/conv0", 2));
    Operand<TFloat32> out2 = separable(b, out1, p + "/conv1", 1);
    Operand<TFloat32> in3 = b.relu(b.add(out1, out2));
    Operand<TFloat32> out3 = separable(b, in3, p + "/conv2", 1);
    Operand<TFloat32> in4 = b.relu(b.add(out1, b.add(out2, out3)));
    Operand<TFloat32> out4 = separable(b, in4, p + "/conv3", 1);
    return b.relu(b.add(out1, b.add(out2, b.add(out3, out4))));
  }

  /** face-api's depthwiseSeparableConv: separableConv2d ('same') + bias. */
  private static Operand<TFloat32> separable(NetBuilder b, Operand<TFloat32> x, String p, int stride) {
    return b.bias(b.separable(x, p + "/depthwise_filter", p + "/pointwise_filter", stride), p + "/bias");
  }

  /** Raw outputs [n, 136] (x0, y0, x1, ...; 0..1 of the square input) for n 112x112 RGB faces (0..255). */
  public float[] run(float[] batch, int n) {
    return model.run("input", batch, new long[] {n, INPUT_SIZE, INPUT_SIZE, 3}, "landmarks").get(0).values();
  }

  @Override
  public void close() {
    model.close();
  }
}

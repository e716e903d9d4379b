package io.visionlake.udfs.analyze.faces;

import io.visionlake.udfs.model.tfjs.TfGraphModel;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * face-api.js's {@code FaceRecognitionNet} ({@code src/faceRecognitionNet}): dlib's ResNet-34-like
 * face descriptor network on a 150x150 aligned face, giving 128 floats; two faces of one person lie
 * closer than about 0.6 (Euclidean).
 */
public final class FaceRecognitionNet implements AutoCloseable {
  public static final String MODEL = "face_recognition_model";
  public static final int INPUT_SIZE = 150;
  public static final int DESCRIPTOR_SIZE = 128;

  private final TfGraphModel model;

  private FaceRecognitionNet(TfGraphModel model) {
    this.model = model;
  }

  public static FaceRecognitionNet create(FaceApiWeights w, int threads) {
    NetBuilder b = new NetBuilder(w);
    Operand<TFloat32> x = FaceLandmark68Net.normalized(b, b.input("input", INPUT_SIZE));
    x = conv(b, x, "conv32_down", 2, true, "VALID");
    x = b.maxPool(x, 3, 2);
    x = residual(b, x, "conv32_1");
    x = residual(b, x, "conv32_2");
    x = residual(b, x, "conv32_3");
    x = residualDown(b, x, "conv64_down");
    x = residual(b, x, "conv64_1");
    x = residual(b, x, "conv64_2");
    x = residual(b, x, "conv64_3");
    x = residualDown(b, x, "conv128_down");
    x = residual(b, x, "conv128_1");
    x = residual(b, x, "conv128_2");
    x = residualDown(b, x, "conv256_down");
    x = residual(b, x, "conv256_1");
    x = residual(b, x, "conv256_2");
    x = residualDown(b, x, "conv256_down_out");
    Operand<TFloat32> globalAvg = b.tf.math.mean(x, b.tf.constant(new int[] {1, 2}));
    b.output("descriptor", b.tf.linalg.matMul(globalAvg, b.weight("fc", 2)));
    return new FaceRecognitionNet(TfGraphModel.of(b.graph, threads));
  }

  /** face-api's convLayer: conv + bias, then the scale layer (x * weights + biases), optionally relu. */
  private static Operand<TFloat32> conv(NetBuilder b, Operand<TFloat32> x, String p, int stride, boolean relu, String padding) {
    Operand<TFloat32> out = b.bias(b.conv2d(x, p + "/conv/filters", stride, padding), p + "/conv/bias");
    out = b.bias(b.tf.math.mul(out, b.weight(p + "/scale/weights", 1)), p + "/scale/biases");
    return relu ? b.relu(out) : out;
  }

  private static Operand<TFloat32> residual(NetBuilder b, Operand<TFloat32> x, String p) {
    Operand<TFloat32> out = conv(b, x, p + "/conv1", 1, true, "SAME");
    out = conv(b, out, p + "/conv2", 1, false, "SAME");
    return b.relu(b.add(out, x));
  }

  /**
   * face-api's residualDown: a strided 'valid' branch plus the 2x2-average-pooled input, zero-padded
   * to the branch's channels and the branch zero-padded (bottom row, right column) to the pool's size.
   */
  private static Operand<TFloat32> residualDown(NetBuilder b, Operand<TFloat32> x, String p) {
    Operand<TFloat32> out = conv(b, x, p + "/conv1", 2, true, "VALID");
    out = conv(b, out, p + "/conv2", 1, false, "SAME");
    Operand<TFloat32> pooled = b.avgPool(x, 2, 2);
    long padRows = NetBuilder.dim(pooled, 1) - NetBuilder.dim(out, 1);
    long padCols = NetBuilder.dim(pooled, 2) - NetBuilder.dim(out, 2);
    if (padRows != 0 || padCols != 0) {
      // face-api concatenates one zero row, then one zero column, whenever either size differs.
      out = b.tf.pad(out, b.tf.constant(new int[][] {{0, 0}, {0, 1}, {0, 1}, {0, 0}}), b.scalar(0f));
    }
    long padChannels = NetBuilder.dim(out, 3) - NetBuilder.dim(pooled, 3);
    if (padChannels != 0) {
      pooled = b.tf.pad(pooled, b.tf.constant(new int[][] {{0, 0}, {0, 0}, {0, 0}, {0, (int) padChannels}}), b.scalar(0f));
    }
    return b.relu(b.add(pooled, out));
  }

  /** Descriptors [n, 128] for n 150x150 RGB faces (0..255). */
  public float[] run(float[] batch, int n) {
    return model.run("input", batch, new long[] {n, INPUT_SIZE, INPUT_SIZE, 3}, "descriptor").get(0).values();
  }

  @Override
  public void close() {
    model.close();
  }
}

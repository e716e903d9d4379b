package io.visionlake.udfs.analyze.faces;

import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The TF.js layer functions face-api.js composes its networks from ({@code tf.conv2d},
 * {@code depthwiseConv2d}, {@code separableConv2d}, ...), as TensorFlow graph ops with face-api's
 * weights as constants. TF.js's conv ops and TensorFlow's share padding semantics ({@code same}
 * pads the extra row/column at the bottom/right), so the graph computes what TF.js computes.
 */
final class NetBuilder {
  final Graph graph = new Graph();
  final Ops tf = Ops.create(graph);
  private final FaceApiWeights weights;

  NetBuilder(FaceApiWeights weights) {
    this.weights = weights;
  }

  /** A float NHWC input of any batch size and {@code size x size x 3} pixels, named {@code name}. */
  Operand<TFloat32> input(String name, int size) {
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, 3)));
  }

  Operand<TFloat32> weight(String tensorName, int rank) {
    FaceApiWeights.Tensor t = weights.get(tensorName, rank);
    return constant(t.values(), t.shape());
  }

  Operand<TFloat32> constant(float[] values, long... shape) {
    return tf.constant(Shape.of(shape), DataBuffers.of(values, true, false));
  }

  Operand<TFloat32> scalar(float value) {
    return tf.constant(value);
  }

  static List<Long> strides(int s) {
    return List.of(1L, (long) s, (long) s, 1L);
  }

  Operand<TFloat32> conv2d(Operand<TFloat32> x, String filters, int stride, String padding) {
    return tf.nn.conv2d(x, weight(filters, 4), strides(stride), padding);
  }

  Operand<TFloat32> depthwise(Operand<TFloat32> x, String filters, int stride) {
    return tf.nn.depthwiseConv2dNative(x, weight(filters, 4), strides(stride), "SAME");
  }

  /** {@code tf.separableConv2d(x, depthwise, pointwise, stride, 'same')}: depthwise, then a 1x1 conv. */
  Operand<TFloat32> separable(Operand<TFloat32> x, String depthwiseFilter, String pointwiseFilter, int stride) {
    return tf.nn.conv2d(depthwise(x, depthwiseFilter, stride), weight(pointwiseFilter, 4), strides(1), "VALID");
  }

  /** {@code tf.add(x, bias)} over the channel axis. */
  Operand<TFloat32> bias(Operand<TFloat32> x, String bias) {
    return tf.nn.biasAdd(x, weight(bias, 1));
  }

  Operand<TFloat32> add(Operand<TFloat32> a, Operand<TFloat32> b) {
    return tf.math.add(a, b);
  }

  Operand<TFloat32> relu(Operand<TFloat32> x) {
    return tf.nn.relu(x);
  }

  /** {@code tf.clipByValue(x, 0, 6)}. */
  Operand<TFloat32> relu6(Operand<TFloat32> x) {
    return tf.nn.relu6(x);
  }

  Operand<TFloat32> avgPool(Operand<TFloat32> x, int size, int stride) {
    return tf.nn.avgPool(x, List.of(1L, (long) size, (long) size, 1L), strides(stride), "VALID");
  }

  Operand<TFloat32> maxPool(Operand<TFloat32> x, int size, int stride) {
    return tf.nn.maxPool(x, tf.constant(new int[] {1, size, size, 1}), tf.constant(new int[] {1, stride, stride, 1}), "VALID");
  }

  Operand<TFloat32> reshape(Operand<TFloat32> x, int... shape) {
    return tf.reshape(x, tf.constant(shape));
  }

  /** Names {@code x} so a session can fetch it. */
  Operand<TFloat32> output(String name, Operand<TFloat32> x) {
    return tf.withName(name).identity(x);
  }

  /** Static size of dimension {@code d} of {@code x}. */
  static long dim(Operand<TFloat32> x, int d) {
    return x.shape().get(d);
  }
}

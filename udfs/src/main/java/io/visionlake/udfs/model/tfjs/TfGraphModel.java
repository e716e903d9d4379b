package io.visionlake.udfs.model.tfjs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * A TensorFlow graph loaded into this JVM, from a TF.js graph model ({@code model.json}) or a
 * SavedModel directory, run by named inputs and outputs. Thread-safe: TensorFlow sessions accept
 * concurrent {@code run} calls.
 */
public final class TfGraphModel implements AutoCloseable {
  private final Graph graph;
  private final Session session;
  private final SavedModelBundle bundle;

  private TfGraphModel(Graph graph, Session session, SavedModelBundle bundle) {
    this.graph = graph;
    this.session = session;
    this.bundle = bundle;
  }

  /**
   * Loads {@code path}: a {@code .json} file is a TF.js graph model, a directory with {@code
   * saved_model.pb} a SavedModel (tag {@code serve}). {@code threads} is the intra-op pool size;
   * inter-op is 1 so concurrent tasks do not oversubscribe the executor's cores.
   */
  public static TfGraphModel load(Path path, int threads) {
    ConfigProto config = config(threads);
    if (Files.isDirectory(path)) {
      if (!Files.isRegularFile(path.resolve("saved_model.pb"))) {
        throw new IllegalArgumentException(path + " is a directory without saved_model.pb: a TensorFlow model is a TF.js "
            + "model.json file or a SavedModel directory");
      }
      SavedModelBundle bundle = SavedModelBundle.loader(path.toString()).withTags("serve").withConfigProto(config).load();
      return new TfGraphModel(bundle.graph(), bundle.session(), bundle);
    }
    if (!path.getFileName().toString().endsWith(".json")) {
      throw new IllegalArgumentException(path + " is neither a TF.js model.json nor a SavedModel directory");
    }
    Graph graph = new Graph();
    try {
      graph.importGraphDef(TfjsGraphLoader.load(path));
      return new TfGraphModel(graph, new Session(graph, config), null);
    } catch (RuntimeException | Error e) {
      graph.close();
      throw e;
    }
  }

  /**
   * A session over {@code graph}, built in Java (e.g. with the Ops API); the model owns the graph
   * from now on. {@code threads} as in {@link #load}.
   */
  public static TfGraphModel of(Graph graph, int threads) {
    // Ops run in the calling thread (inter-op -1), so the tasks of an executor sharing this
    // session run in parallel instead of queueing on one inter-op thread.
    ConfigProto config = config(threads).toBuilder().setInterOpParallelismThreads(-1).build();
    return new TfGraphModel(graph, new Session(graph, config), null);
  }

  private static ConfigProto config(int threads) {
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(Math.max(1, threads))
        .setInterOpParallelismThreads(1)
        .build();
  }

  /** One float output: its values (row-major) and its shape. */
  public record Output(float[] values, long[] shape) {}

  /**
   * Feeds {@code input} (row-major, {@code shape}) to the placeholder {@code inputName} and returns
   * the float outputs named {@code outputNames}, in that order.
   */
  public List<Output> run(String inputName, float[] input, long[] shape, String... outputNames) {
    try (TFloat32 in = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(input, true, false))) {
      Session.Runner runner = session.runner().feed(inputName, in);
      for (String name : outputNames) {
        runner.fetch(name);
      }
      try (Result result = runner.run()) {
        List<Output> outputs = new ArrayList<>(outputNames.length);
        for (int i = 0; i < outputNames.length; i++) {
          Tensor t = result.get(i);
          if (!(t instanceof TFloat32 f)) {
            throw new IllegalStateException("Output '" + outputNames[i] + "' is " + t.dataType() + ", not float32");
          }
          float[] values = new float[(int) f.shape().size()];
          f.copyTo(DataBuffers.of(values, false, false));
          outputs.add(new Output(values, f.shape().asArray()));
        }
        return outputs;
      }
    }
  }

  public Graph graph() {
    return graph;
  }

  @Override
  public void close() {
    if (bundle != null) {
      bundle.close();
    } else {
      session.close();
      graph.close();
    }
  }
}

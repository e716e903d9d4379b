package io.visionlake.udfs.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.List;
import io.visionlake.udfs.model.tfjs.TfGraphModel;
import org.apache.hadoop.conf.Configuration;

/**
 * A model loaded into this JVM with its labels and the sha256 of its weights. Thread-safe: share
 * it, but give each thread (each partition) its own {@link #newPredictor()}, since DJL predictors
 * are not thread-safe. A {@link ModelSpec#ENGINE_TENSORFLOW} model is a TensorFlow graph instead
 * ({@link #tfGraph()}), run by tensor name and safe to share between threads.
 */
public final class LoadedModel implements AutoCloseable {
  private final ModelSpec spec;
  private final ZooModel<ImageBatch, BatchOutput> model;
  private final TfGraphModel graph;
  private final List<String> labels;
  private final String sha256;
  private final long loadMillis;

  private LoadedModel(ModelSpec spec, ZooModel<ImageBatch, BatchOutput> model, TfGraphModel graph, List<String> labels,
      String sha256, long loadMillis) {
    this.spec = spec;
    this.model = model;
    this.graph = graph;
    this.labels = labels;
    this.sha256 = sha256;
    this.loadMillis = loadMillis;
  }

  /**
   * Localises, verifies and loads the model. {@code threads} is the engine's intra-op thread count
   * (callers pass {@code spark.task.cpus} unless the spec pins one) so concurrent tasks do not
   * oversubscribe the executor's cores.
   */
  public static LoadedModel load(ModelSpec spec, Configuration hadoopConf, int threads, Device device) {
    try {
      return loadOrThrow(spec, hadoopConf, threads, device);
    } catch (ModelUnavailableException e) {
      throw e;
    } catch (RuntimeException | LinkageError e) {
      // Whatever stops the load (unreadable weights, an engine whose natives are missing, a wrong
      // block) stops every image alike: one typed failure the inference path lets through.
      throw new ModelUnavailableException("Cannot load model '" + spec.name() + "' (uri " + spec.modelUri() + ", engine "
          + spec.engine() + ", device " + device + "): " + e + ". Check 'uri', 'engine', 'block' and 'device' in its spec file.", e);
    }
  }

  private static LoadedModel loadOrThrow(ModelSpec spec, Configuration hadoopConf, int threads, Device device) {
    long start = System.nanoTime();
    Path file = ModelFiles.localize(spec.modelUri(), hadoopConf);
    // A SavedModel is a directory: its graph file stands for it in the checksum.
    Path hashed = Files.isDirectory(file) ? file.resolve("saved_model.pb") : file;
    String sha = ModelFiles.verify(hashed, spec.sha256(), "Model file of '" + spec.name() + "'");
    List<String> labels = spec.labelsUri() == null ? List.of() : ModelFiles.readLabels(ModelFiles.localize(spec.labelsUri(), hadoopConf));
    if (ModelSpec.ENGINE_TENSORFLOW.equals(spec.engine())) {
      // TensorFlow places ops itself (a GPU when TensorFlow sees one); DJL's device does not apply.
      TfGraphModel tf = TfGraphModel.load(file, threads);
      return new LoadedModel(spec, null, tf, labels, sha, (System.nanoTime() - start) / 1_000_000);
    }
    Criteria.Builder<ImageBatch, BatchOutput> criteria = Criteria.builder()
        .setTypes(ImageBatch.class, BatchOutput.class)
        .optEngine(spec.engine())
        .optDevice(device)
        .optTranslator(new ImageTensorTranslator(spec));
    if (spec.block() != null) {
      // DJL .params files: the graph comes from code; name-EPOCH.params picks the exact file.
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(.+?)(?:-(\\d{4}))?\\.params$").matcher(file.getFileName().toString());
      if (!m.matches()) {
        throw new IllegalArgumentException("Model '" + spec.name() + "' has block=" + spec.block()
            + " but uri " + file + " is not a DJL .params file (name-0000.params)");
      }
      requireDjlParameters(spec, file);
      criteria.optModelPath(file.getParent())
          .optModelName(m.group(1))
          .optBlock(ModelArchitectures.newBlock(spec.block()));
      if (m.group(2) != null) {
        criteria.optOption("epoch", Integer.toString(Integer.parseInt(m.group(2))));
      }
    } else {
      criteria.optModelPath(file);
    }
    if (ModelSpec.ENGINE_ONNX.equals(spec.engine())) {
      criteria.optOption("interOpNumThreads", "1").optOption("intraOpNumThreads", Integer.toString(threads));
    } else {
      configurePyTorchThreads(threads);
    }
    try {
      ZooModel<ImageBatch, BatchOutput> model = criteria.build().loadModel();
      if (spec.hasClasses() && labels.isEmpty()) {
        model.close();
        throw new IllegalStateException("Labels file " + spec.labelsUri() + " of model '" + spec.name() + "' is empty");
      }
      return new LoadedModel(spec, model, null, labels, sha, (System.nanoTime() - start) / 1_000_000);
    } catch (ModelNotFoundException | MalformedModelException | IOException e) {
      throw new ModelUnavailableException(
          "Cannot load model '" + spec.name() + "' from " + file + " with engine " + spec.engine()
              + ": " + e.getMessage() + ". Check 'uri', 'engine' and 'block' in its spec file.", e);
    }
  }

  /**
   * DJL reads a .params file whose first bytes are not its magic as "no parameters" and returns the
   * block with random weights (BaseModel.readParameters answers false and loadBlock ignores it): a
   * corrupt or foreign file would score every image with noise. The magic is checked here instead.
   */
  static void requireDjlParameters(ModelSpec spec, Path file) {
    byte[] magic = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(magic, 0, magic.length);
    } catch (IOException e) {
      throw new ModelUnavailableException("Cannot read model file " + file + " of '" + spec.name() + "': " + e.getMessage(), e);
    }
    if (n < magic.length || !"DJL@".equals(new String(magic, StandardCharsets.US_ASCII))) {
      throw new ModelUnavailableException("Model file " + file + " of '" + spec.name() + "' is not a DJL parameters file (it does "
          + "not start with DJL@): the file is corrupt or not written by DJL's Model.save. Re-create it, or check 'uri' and "
          + "'block' in its spec file.");
    }
  }

  /** PyTorch's intra-op pool is per process: the property covers first init, the call later ones. */
  private static void configurePyTorchThreads(int threads) {
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    Engine.getEngine(ModelSpec.ENGINE_PYTORCH);
    ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
  }

  public Predictor<ImageBatch, BatchOutput> newPredictor() {
    if (model == null) {
      throw new IllegalStateException("Model '" + spec.name() + "' (engine " + spec.engine()
          + ") is an object detector run by tensor name: use tfGraph(), not a DJL predictor");
    }
    return model.newPredictor();
  }

  /**
   * Embeds a batch with an engine-{@code TensorFlow} embedder: the NCHW batch is fed channels-last
   * (TensorFlow's layout) to {@code input.name}, and {@code output.embedding} is read by name,
   * pooled and normalised as the spec says. Thread-safe, like the graph's session.
   */
  public BatchOutput embedWithGraph(ImageBatch batch) {
    String tensor = spec.embeddingTensor();
    if (tensor == null) {
      throw new IllegalStateException("Model '" + spec.name() + "' has no output.embedding tensor name");
    }
    int n = batch.size();
    int c = batch.channels();
    int hw = batch.height() * batch.width();
    float[] chw = batch.data();
    float[] hwc = new float[n * c * hw];
    for (int i = 0; i < n; i++) {
      int base = i * c * hw;
      for (int ch = 0; ch < c; ch++) {
        for (int p = 0; p < hw; p++) {
          hwc[base + p * c + ch] = chw[base + ch * hw + p];
        }
      }
    }
    TfGraphModel.Output out = tfGraph().run(spec.inputName(), hwc, new long[] {n, batch.height(), batch.width(), c}, tensor).get(0);
    float[] embeddings = spec.toEmbeddings(out.values(), out.shape());
    return new BatchOutput(n, null, 0, embeddings, embeddings.length / n);
  }

  /** Whether this model embeds through a TensorFlow graph ({@link #embedWithGraph}) rather than a DJL predictor. */
  public boolean embedsWithGraph() {
    return graph != null && spec.embeddingTensor() != null;
  }

  /** The TensorFlow graph of an engine-{@code TensorFlow} model. */
  public TfGraphModel tfGraph() {
    if (graph == null) {
      throw new IllegalStateException("Model '" + spec.name() + "' runs on " + spec.engine() + ", not TensorFlow");
    }
    return graph;
  }

  public ModelSpec spec() {
    return spec;
  }

  public List<String> labels() {
    return labels;
  }

  /** Label of class {@code index}; indexes beyond the labels file are named by number. */
  public String label(int index) {
    return index < labels.size() ? labels.get(index) : Integer.toString(index);
  }

  public String sha256() {
    return sha256;
  }

  public long loadMillis() {
    return loadMillis;
  }

  @Override
  public void close() {
    if (model != null) {
      model.close();
    }
    if (graph != null) {
      graph.close();
    }
  }
}

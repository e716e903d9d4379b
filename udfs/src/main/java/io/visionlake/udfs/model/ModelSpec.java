package io.visionlake.udfs.model;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything needed to load an image model and feed it: where the weights are, which engine runs
 * them, how pixels become a tensor and which outputs mean what. Immutable and Serializable so the
 * driver resolves it once and ships it to executors, where {@link ExecutorModelCache} keys loaded
 * models by it.
 *
 * <p>Built with {@link #builder()} ({@code setX} for required fields, {@code optX} for optional
 * ones) or from the string map of a {@code conf/models/*.properties} file with {@link
 * #fromOptions(Map)}; both produce equal specs. Keys are documented in {@code conf/models/README.md}.
 */
public final class ModelSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String ENGINE_PYTORCH = "PyTorch";
  public static final String ENGINE_ONNX = "OnnxRuntime";
  /** TensorFlow Java: a TF.js graph model ({@code model.json}) or a SavedModel directory. */
  public static final String ENGINE_TENSORFLOW = "TensorFlow";

  /** {@code layout} values: tuned per executor (the default) or the spec's batch.size and threads as written. */
  public static final String LAYOUT_AUTO = "auto";
  public static final String LAYOUT_FIXED = "fixed";

  private final String name;
  private final String version;
  private final String engine;
  private final String modelUri;
  private final String block;
  private final String labelsUri;
  private final int inputWidth;
  private final int inputHeight;
  private final ColorOrder colorOrder;
  private final ResizeMode resizeMode;
  private final float scale;
  private final float[] mean;
  private final float[] std;
  private final int classesOutput;
  private final Activation activation;
  private final int embeddingOutput;
  private final String embeddingTensor;
  private final EmbeddingPooling embeddingPooling;
  private final boolean embeddingL2;
  private final int batchSize;
  private final int threads;
  private final boolean layoutFixed;
  private final int topK;
  private final String sha256;
  private final DeviceChoice device;
  private final String inputName;
  private final String detectionsOutput;
  private final DetectionsFormat detectionsFormat;

  private ModelSpec(Builder b) {
    this.name = b.name;
    this.version = b.version;
    this.engine = b.engine;
    this.modelUri = b.modelUri;
    this.block = b.block;
    this.labelsUri = b.labelsUri;
    this.inputWidth = b.inputWidth;
    this.inputHeight = b.inputHeight;
    this.colorOrder = b.colorOrder;
    this.resizeMode = b.resizeMode;
    this.scale = b.scale;
    this.mean = b.mean.clone();
    this.std = b.std.clone();
    this.classesOutput = b.classesOutput;
    this.activation = b.activation;
    this.embeddingOutput = b.embeddingOutput;
    this.embeddingTensor = b.embeddingTensor;
    this.embeddingPooling = b.embeddingPooling;
    this.embeddingL2 = b.embeddingL2;
    this.batchSize = b.batchSize;
    this.threads = b.threads;
    this.layoutFixed = b.layoutFixed;
    this.topK = b.topK;
    this.sha256 = b.sha256;
    this.device = b.device;
    this.inputName = b.inputName;
    this.detectionsOutput = b.detectionsOutput;
    this.detectionsFormat = b.detectionsFormat;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a spec from {@code conf/models/*.properties} keys; unknown keys are an error. */
  public static ModelSpec fromOptions(Map<String, String> options) {
    return builder().fromOptions(options).build();
  }

  public Builder toBuilder() {
    return builder().fromOptions(toOptions());
  }

  /** The spec as properties keys, the inverse of {@link #fromOptions}. */
  public Map<String, String> toOptions() {
    Map<String, String> m = new TreeMap<>();
    m.put(Keys.NAME, name);
    m.put(Keys.VERSION, version);
    m.put(Keys.ENGINE, engine);
    m.put(Keys.URI, modelUri);
    if (block != null) {
      m.put(Keys.BLOCK, block);
    }
    if (labelsUri != null) {
      m.put(Keys.LABELS, labelsUri);
    }
    m.put(Keys.INPUT_WIDTH, Integer.toString(inputWidth));
    m.put(Keys.INPUT_HEIGHT, Integer.toString(inputHeight));
    m.put(Keys.INPUT_COLOR, colorOrder.name());
    m.put(Keys.INPUT_RESIZE, resizeMode.name());
    m.put(Keys.INPUT_SCALE, Float.toString(scale));
    m.put(Keys.INPUT_MEAN, join(mean));
    m.put(Keys.INPUT_STD, join(std));
    m.put(Keys.OUTPUT_CLASSES, Integer.toString(classesOutput));
    m.put(Keys.OUTPUT_ACTIVATION, activation.name());
    m.put(Keys.OUTPUT_EMBEDDING, embeddingTensor != null ? embeddingTensor : Integer.toString(embeddingOutput));
    if (embeddingPooling != EmbeddingPooling.NONE) {
      m.put(Keys.OUTPUT_EMBEDDING_POOL, embeddingPooling.name().toLowerCase(Locale.ROOT));
    }
    if (embeddingL2) {
      m.put(Keys.OUTPUT_EMBEDDING_NORMALIZE, "l2");
    }
    m.put(Keys.BATCH_SIZE, Integer.toString(batchSize));
    m.put(Keys.THREADS, Integer.toString(threads));
    if (layoutFixed) {
      m.put(Keys.LAYOUT, LAYOUT_FIXED);
    }
    m.put(Keys.TOP_K, Integer.toString(topK));
    if (sha256 != null) {
      m.put(Keys.SHA256, sha256);
    }
    if (device != DeviceChoice.AUTO) {
      m.put(Keys.DEVICE, device.name().toLowerCase(Locale.ROOT));
    }
    if (inputName != null) {
      m.put(Keys.INPUT_NAME, inputName);
    }
    if (detectionsOutput != null) {
      m.put(Keys.OUTPUT_DETECTIONS, detectionsOutput);
      m.put(Keys.OUTPUT_DETECTIONS_FORMAT, detectionsFormat.key());
    }
    return Collections.unmodifiableMap(m);
  }

  public String name() {
    return name;
  }

  public String version() {
    return version;
  }

  public String engine() {
    return engine;
  }

  public String modelUri() {
    return modelUri;
  }

  /** Name of an architecture defined in code ({@link ModelArchitectures}), or null. */
  public String block() {
    return block;
  }

  public String labelsUri() {
    return labelsUri;
  }

  public int inputWidth() {
    return inputWidth;
  }

  public int inputHeight() {
    return inputHeight;
  }

  public ColorOrder colorOrder() {
    return colorOrder;
  }

  public ResizeMode resizeMode() {
    return resizeMode;
  }

  public float scale() {
    return scale;
  }

  /** Per-channel mean, one value per channel of {@link #colorOrder()}. */
  public float[] mean() {
    return mean.clone();
  }

  public float[] std() {
    return std.clone();
  }

  public boolean hasClasses() {
    return classesOutput >= 0;
  }

  public int classesOutput() {
    return classesOutput;
  }

  public Activation activation() {
    return activation;
  }

  public boolean hasEmbedding() {
    return embeddingOutput >= 0 || embeddingTensor != null;
  }

  /** The graph tensor read as the embedding (engine {@code TensorFlow}, which reads outputs by name), or null. */
  public String embeddingTensor() {
    return embeddingTensor;
  }

  /** How the embedding output becomes a vector ({@link EmbeddingPooling#NONE} unless the spec says avg). */
  public EmbeddingPooling embeddingPooling() {
    return embeddingPooling;
  }

  /** Whether embeddings are scaled to unit L2 length ({@code output.embedding.normalize=l2}). */
  public boolean embeddingL2() {
    return embeddingL2;
  }

  /**
   * The embeddings of one output ({@code values} row-major in {@code shape}, batch first), pooled
   * and normalised as the spec says; TensorFlow outputs are channels-last, the others channels-first.
   */
  public float[] toEmbeddings(float[] values, long[] shape) {
    return embeddingPooling.apply(values, shape, ENGINE_TENSORFLOW.equals(engine), embeddingL2);
  }

  public int embeddingOutput() {
    return embeddingOutput;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Engine intra-op threads; 0 means "use spark.task.cpus". */
  public int threads() {
    return threads;
  }

  /**
   * Whether {@code layout=fixed} pins {@link #batchSize()} and {@link #threads()} as the inference
   * layout; otherwise ({@code layout=auto}, the default) the batch size is an upper bound and the
   * executor's {@code LayoutTuner} picks the batch size and threads it measures fastest.
   */
  public boolean layoutFixed() {
    return layoutFixed;
  }

  public int topK() {
    return topK;
  }

  /** Expected sha256 of the model file, or null when not pinned. */
  public String sha256() {
    return sha256;
  }

  /** Where the model runs: the task's GPU when Spark assigned one (auto), the CPU, or a GPU required. */
  public DeviceChoice device() {
    return device;
  }

  /** Name of the graph's input tensor (TensorFlow graphs are fed by name), or null. */
  public String inputName() {
    return inputName;
  }

  /**
   * The graph output(s) holding the detections (an object detector) as written in the spec,
   * comma-separated when the format reads several, or null.
   */
  public String detectionsOutput() {
    return detectionsOutput;
  }

  /** {@link #detectionsOutput()} split into tensor names; empty when this is no object detector. */
  public List<String> detectionsOutputs() {
    return detectionsOutput == null ? List.of() : splitNames(detectionsOutput);
  }

  /** How the detections outputs are decoded; {@link DetectionsFormat#CENTERNET} unless the spec says otherwise. */
  public DetectionsFormat detectionsFormat() {
    return detectionsFormat;
  }

  public boolean hasDetections() {
    return detectionsOutput != null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelSpec && toOptions().equals(((ModelSpec) o).toOptions());
  }

  @Override
  public int hashCode() {
    return toOptions().hashCode();
  }

  /** Safe to log: credentials embedded in URIs are masked. */
  @Override
  public String toString() {
    Map<String, String> m = new TreeMap<>(toOptions());
    m.put(Keys.URI, Credentials.mask(modelUri));
    if (labelsUri != null) {
      m.put(Keys.LABELS, Credentials.mask(labelsUri));
    }
    return "ModelSpec" + m;
  }

  private static List<String> splitNames(String names) {
    return Arrays.stream(names.split(",")).map(String::trim).filter(n -> !n.isEmpty()).toList();
  }

  private static String join(float[] values) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(values[i]);
    }
    return sb.toString();
  }

  /** Property keys of a model spec file. */
  public static final class Keys {
    public static final String NAME = "name";
    public static final String VERSION = "version";
    public static final String ENGINE = "engine";
    public static final String URI = "uri";
    public static final String BLOCK = "block";
    public static final String LABELS = "labels";
    public static final String INPUT_WIDTH = "input.width";
    public static final String INPUT_HEIGHT = "input.height";
    public static final String INPUT_COLOR = "input.color";
    public static final String INPUT_RESIZE = "input.resize";
    public static final String INPUT_SCALE = "input.scale";
    public static final String INPUT_MEAN = "input.mean";
    public static final String INPUT_STD = "input.std";
    public static final String OUTPUT_CLASSES = "output.classes";
    public static final String OUTPUT_ACTIVATION = "output.classes.activation";
    public static final String OUTPUT_EMBEDDING = "output.embedding";
    public static final String OUTPUT_EMBEDDING_POOL = "output.embedding.pool";
    public static final String OUTPUT_EMBEDDING_NORMALIZE = "output.embedding.normalize";
    public static final String BATCH_SIZE = "batch.size";
    public static final String THREADS = "threads";
    public static final String LAYOUT = "layout";
    public static final String TOP_K = "top.k";
    public static final String SHA256 = "sha256";
    public static final String DEVICE = "device";
    public static final String INPUT_NAME = "input.name";
    public static final String OUTPUT_DETECTIONS = "output.detections";
    public static final String OUTPUT_DETECTIONS_FORMAT = "output.detections.format";

    private Keys() {}
  }

  /** Builder; {@link #build()} validates. */
  public static final class Builder {
    private String name;
    private String version = "1";
    private String engine;
    private String modelUri;
    private String block;
    private String labelsUri;
    private int inputWidth;
    private int inputHeight;
    private ColorOrder colorOrder = ColorOrder.RGB;
    private ResizeMode resizeMode = ResizeMode.STRETCH;
    private float scale = 255f;
    private float[] mean = {0f};
    private float[] std = {1f};
    private int classesOutput = -1;
    private Activation activation = Activation.SOFTMAX;
    private int embeddingOutput = -1;
    private String embeddingTensor;
    private EmbeddingPooling embeddingPooling = EmbeddingPooling.NONE;
    private boolean embeddingL2;
    private int batchSize = 32;
    private int threads = 0;
    private boolean layoutFixed;
    private int topK = 5;
    private String sha256;
    private DeviceChoice device = DeviceChoice.AUTO;
    private String inputName;
    private String detectionsOutput;
    private DetectionsFormat detectionsFormat = DetectionsFormat.CENTERNET;
    private boolean detectionsFormatSet;

    private Builder() {}

    public Builder setName(String name) {
      this.name = name;
      return this;
    }

    public Builder setEngine(String engine) {
      this.engine = engine;
      return this;
    }

    public Builder setModelUri(String modelUri) {
      this.modelUri = modelUri;
      return this;
    }

    public Builder setInputSize(int width, int height) {
      this.inputWidth = width;
      this.inputHeight = height;
      return this;
    }

    public Builder optVersion(String version) {
      this.version = version;
      return this;
    }

    public Builder optBlock(String block) {
      this.block = blankToNull(block);
      return this;
    }

    public Builder optLabelsUri(String labelsUri) {
      this.labelsUri = blankToNull(labelsUri);
      return this;
    }

    public Builder optColorOrder(ColorOrder colorOrder) {
      this.colorOrder = colorOrder;
      return this;
    }

    public Builder optResizeMode(ResizeMode resizeMode) {
      this.resizeMode = resizeMode;
      return this;
    }

    /** Normalisation: {@code (pixel / scale - mean[c]) / std[c]}. One value applies to all channels. */
    public Builder optNormalization(float scale, float[] mean, float[] std) {
      this.scale = scale;
      this.mean = mean.clone();
      this.std = std.clone();
      return this;
    }

    public Builder optClassesOutput(int index, Activation activation) {
      this.classesOutput = index;
      this.activation = activation;
      return this;
    }

    public Builder optEmbeddingOutput(int index) {
      this.embeddingOutput = index;
      return this;
    }

    /** The graph tensor read as the embedding, by name (engine TensorFlow). */
    public Builder optEmbeddingTensor(String tensor) {
      this.embeddingTensor = blankToNull(tensor);
      return this;
    }

    /** Pooling of the embedding output and whether it is scaled to unit L2 length. */
    public Builder optEmbeddingPooling(EmbeddingPooling pooling, boolean l2) {
      this.embeddingPooling = pooling;
      this.embeddingL2 = l2;
      return this;
    }

    public Builder optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder optThreads(int threads) {
      this.threads = threads;
      return this;
    }

    /** Pins {@code batch.size} and {@code threads} as the layout ({@code layout=fixed}) instead of tuning them. */
    public Builder optLayoutFixed(boolean layoutFixed) {
      this.layoutFixed = layoutFixed;
      return this;
    }

    public Builder optTopK(int topK) {
      this.topK = topK;
      return this;
    }

    public Builder optSha256(String sha256) {
      this.sha256 = sha256 == null ? null : blankToNull(sha256.toLowerCase(Locale.ROOT));
      return this;
    }

    /** Where the model runs; see {@link TaskDevice}. */
    public Builder optDevice(DeviceChoice device) {
      this.device = device;
      return this;
    }

    /** The graph input tensor's name (TensorFlow graphs). */
    public Builder optInputName(String inputName) {
      this.inputName = blankToNull(inputName);
      return this;
    }

    /** The graph output(s) holding an object detector's detections, comma-separated when several. */
    public Builder optDetectionsOutput(String detectionsOutput) {
      this.detectionsOutput = detectionsOutput == null || blankToNull(detectionsOutput) == null ? null
          : String.join(",", splitNames(detectionsOutput));
      return this;
    }

    /** How the detections outputs are decoded (default {@link DetectionsFormat#CENTERNET}). */
    public Builder optDetectionsFormat(DetectionsFormat detectionsFormat) {
      this.detectionsFormat = detectionsFormat;
      this.detectionsFormatSet = true;
      return this;
    }

    /** Applies every key of a spec file; unknown keys fail so typos do not pass silently. */
    public Builder fromOptions(Map<String, String> options) {
      Map<String, String> o = new TreeMap<>(options);
      String v;
      if ((v = o.remove(Keys.NAME)) != null) {
        name = v.trim();
      }
      if ((v = o.remove(Keys.VERSION)) != null) {
        version = v.trim();
      }
      if ((v = o.remove(Keys.ENGINE)) != null) {
        engine = v.trim();
      }
      if ((v = o.remove(Keys.URI)) != null) {
        modelUri = v.trim();
      }
      if ((v = o.remove(Keys.BLOCK)) != null) {
        optBlock(v.trim());
      }
      if ((v = o.remove(Keys.LABELS)) != null) {
        optLabelsUri(v.trim());
      }
      if ((v = o.remove(Keys.INPUT_WIDTH)) != null) {
        inputWidth = parseInt(v, Keys.INPUT_WIDTH);
      }
      if ((v = o.remove(Keys.INPUT_HEIGHT)) != null) {
        inputHeight = parseInt(v, Keys.INPUT_HEIGHT);
      }
      if ((v = o.remove(Keys.INPUT_COLOR)) != null) {
        colorOrder = ColorOrder.parse(v, Keys.INPUT_COLOR);
      }
      if ((v = o.remove(Keys.INPUT_RESIZE)) != null) {
        resizeMode = ResizeMode.parse(v, Keys.INPUT_RESIZE);
      }
      if ((v = o.remove(Keys.INPUT_SCALE)) != null) {
        scale = parseFloats(v, Keys.INPUT_SCALE)[0];
      }
      if ((v = o.remove(Keys.INPUT_MEAN)) != null) {
        mean = parseFloats(v, Keys.INPUT_MEAN);
      }
      if ((v = o.remove(Keys.INPUT_STD)) != null) {
        std = parseFloats(v, Keys.INPUT_STD);
      }
      if ((v = o.remove(Keys.OUTPUT_CLASSES)) != null) {
        classesOutput = parseInt(v, Keys.OUTPUT_CLASSES);
      }
      if ((v = o.remove(Keys.OUTPUT_ACTIVATION)) != null) {
        activation = Activation.parse(v, Keys.OUTPUT_ACTIVATION);
      }
      if ((v = o.remove(Keys.OUTPUT_EMBEDDING)) != null) {
        // An index for engines whose outputs are a list (ONNX, PyTorch), a tensor name for TensorFlow.
        if (v.trim().matches("-?\\d+")) {
          embeddingOutput = parseInt(v, Keys.OUTPUT_EMBEDDING);
          embeddingTensor = null;
        } else {
          optEmbeddingTensor(v);
          embeddingOutput = -1;
        }
      }
      if ((v = o.remove(Keys.OUTPUT_EMBEDDING_POOL)) != null) {
        embeddingPooling = EmbeddingPooling.parse(v, Keys.OUTPUT_EMBEDDING_POOL);
      }
      if ((v = o.remove(Keys.OUTPUT_EMBEDDING_NORMALIZE)) != null) {
        String n = v.trim().toLowerCase(Locale.ROOT);
        if (!n.equals("l2") && !n.equals("none")) {
          throw new IllegalArgumentException("Invalid model spec: '" + Keys.OUTPUT_EMBEDDING_NORMALIZE + "' must be l2 or none, got '"
              + v + "'");
        }
        embeddingL2 = n.equals("l2");
      }
      if ((v = o.remove(Keys.BATCH_SIZE)) != null) {
        batchSize = parseInt(v, Keys.BATCH_SIZE);
      }
      if ((v = o.remove(Keys.THREADS)) != null) {
        threads = parseInt(v, Keys.THREADS);
      }
      if ((v = o.remove(Keys.LAYOUT)) != null) {
        String l = v.trim().toLowerCase(Locale.ROOT);
        if (!l.equals(LAYOUT_AUTO) && !l.equals(LAYOUT_FIXED)) {
          throw new IllegalArgumentException("Invalid model spec: '" + Keys.LAYOUT + "' must be " + LAYOUT_AUTO + " or " + LAYOUT_FIXED
              + ", got '" + v + "'");
        }
        layoutFixed = l.equals(LAYOUT_FIXED);
      }
      if ((v = o.remove(Keys.TOP_K)) != null) {
        topK = parseInt(v, Keys.TOP_K);
      }
      if ((v = o.remove(Keys.SHA256)) != null) {
        optSha256(v.trim());
      }
      if ((v = o.remove(Keys.DEVICE)) != null) {
        device = DeviceChoice.parse(v, Keys.DEVICE);
      }
      if ((v = o.remove(Keys.INPUT_NAME)) != null) {
        optInputName(v);
      }
      if ((v = o.remove(Keys.OUTPUT_DETECTIONS)) != null) {
        optDetectionsOutput(v);
      }
      if ((v = o.remove(Keys.OUTPUT_DETECTIONS_FORMAT)) != null) {
        optDetectionsFormat(DetectionsFormat.parse(v, Keys.OUTPUT_DETECTIONS_FORMAT));
      }
      if (!o.isEmpty()) {
        throw new IllegalArgumentException(
            "Unknown model spec key(s) " + o.keySet() + "; known keys are documented in conf/models/README.md");
      }
      return this;
    }

    public ModelSpec build() {
      validate();
      return new ModelSpec(this);
    }

    private void validate() {
      require(name != null && !name.isEmpty(), "'name' is required");
      String where = "model '" + name + "': ";
      require(modelUri != null && !modelUri.isEmpty(), where + "'uri' is required (path, file:, s3a: or hdfs: URI of the model file)");
      require(ENGINE_PYTORCH.equals(engine) || ENGINE_ONNX.equals(engine) || ENGINE_TENSORFLOW.equals(engine),
          where + "'engine' must be " + ENGINE_PYTORCH + ", " + ENGINE_ONNX + " or " + ENGINE_TENSORFLOW + ", got '" + engine + "'");
      if (ENGINE_TENSORFLOW.equals(engine)) {
        // TensorFlow graphs are fed and read by tensor name: object detectors and embedders.
        require(inputName != null, where + "'input.name' (the graph's input tensor, e.g. tower_0/images) is required with engine "
            + ENGINE_TENSORFLOW);
        require(classesOutput < 0 && embeddingOutput < 0 && (detectionsOutput != null ^ embeddingTensor != null),
            where + "engine " + ENGINE_TENSORFLOW + " runs object detectors and embedders by tensor name: set 'output.detections' "
                + "(a detector) or 'output.embedding' (an embedder) to an output tensor's name, not an index, and not 'output.classes'");
      } else {
        require(embeddingTensor == null, where + "'output.embedding' is the index of a model output for engine " + engine
            + " (a tensor name applies to engine " + ENGINE_TENSORFLOW + " only)");
      }
      if (ENGINE_TENSORFLOW.equals(engine) && detectionsOutput != null) {
        int names = splitNames(detectionsOutput).size();
        require(names == detectionsFormat.outputs(), where + "'output.detections.format' " + detectionsFormat.key() + " reads "
            + detectionsFormat.outputs() + " output tensor(s), but 'output.detections' names " + names + " ('" + detectionsOutput
            + "'): list " + (detectionsFormat.outputs() == 1 ? "one tensor name" : detectionsFormat.outputs()
            + " comma-separated tensor names") + ", or set the format that matches the model");
      } else if (!ENGINE_TENSORFLOW.equals(engine)) {
        require(detectionsOutput == null && inputName == null && !detectionsFormatSet,
            where + "'input.name', 'output.detections' and 'output.detections.format' apply to engine " + ENGINE_TENSORFLOW + " only");
      }
      require(inputWidth >= 1 && inputHeight >= 1,
          where + "'input.width' and 'input.height' must be >= 1, got " + inputWidth + "x" + inputHeight);
      require(scale > 0, where + "'input.scale' must be > 0, got " + scale);
      int c = colorOrder.channels();
      require(mean.length == 1 || mean.length == c,
          where + "'input.mean' needs 1 or " + c + " values for " + colorOrder + ", got " + mean.length);
      require(std.length == mean.length,
          where + "'input.std' needs as many values as 'input.mean' (" + mean.length + "), got " + std.length);
      for (float s : std) {
        require(s != 0f, where + "'input.std' values must be non-zero");
      }
      if (mean.length == 1 && c > 1) {
        mean = fill(mean[0], c);
        std = fill(std[0], c);
      }
      require(classesOutput >= 0 || embeddingOutput >= 0 || embeddingTensor != null || detectionsOutput != null,
          where + "set 'output.classes' and/or 'output.embedding' to the index of that model output");
      require(classesOutput < 0 || labelsUri != null,
          where + "'labels' (a file with one label per line) is required when 'output.classes' is set");
      require(batchSize >= 1, where + "'batch.size' must be >= 1, got " + batchSize);
      require(threads >= 0, where + "'threads' must be >= 0 (0 = spark.task.cpus), got " + threads);
      require(topK >= 1, where + "'top.k' must be >= 1, got " + topK);
      require(sha256 == null || sha256.matches("[0-9a-f]{64}"),
          where + "'sha256' must be 64 hex digits");
    }

    private static float[] fill(float v, int n) {
      float[] a = new float[n];
      Arrays.fill(a, v);
      return a;
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException("Invalid model spec: " + message);
      }
    }

    private static String blankToNull(String s) {
      return s == null || s.trim().isEmpty() ? null : s.trim();
    }

    private static int parseInt(String v, String key) {
      try {
        return Integer.parseInt(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("Invalid model spec: '" + key + "' must be an integer, got '" + v + "'");
      }
    }

    private static float[] parseFloats(String v, String key) {
      String[] parts = v.split(",");
      float[] out = new float[parts.length];
      for (int i = 0; i < parts.length; i++) {
        try {
          out[i] = Float.parseFloat(parts[i].trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "Invalid model spec: '" + key + "' must be comma-separated numbers, got '" + v + "'");
        }
      }
      return out;
    }
  }
}

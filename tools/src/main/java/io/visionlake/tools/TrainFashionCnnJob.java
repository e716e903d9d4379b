package io.visionlake.tools;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.visionlake.udfs.model.FashionCnn;
import io.visionlake.udfs.model.IdxImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Trains the {@code fashion-cnn} classifier ({@link FashionCnn}) with DJL on the PyTorch engine, on
 * the Fashion-MNIST train split, evaluates it on the test split and writes the model directory.
 *
 * <p>Not a Spark job: a plain {@code main}. Usage:
 *
 * <pre>
 *   TrainFashionCnnJob --data-dir /usr/share/datasets/fashion-mnist --out models/fashion-cnn
 *       [--epochs 4] [--seed 42] [--batch-size 128] [--threads 2] [--lr 0.002]
 *       [--min-accuracy 0.89] [--train-limit N] [--test-limit N]
 *   TrainFashionCnnJob --check --out models/fashion-cnn
 * </pre>
 *
 * <p>Writes into {@code --out}: {@code fashion-cnn-0000.params} (DJL {@code Model.save}), {@code
 * labels.txt}, {@code model-card.json} and {@code MODEL_CARD.md}. The cards are written last and only
 * when the test accuracy reaches {@code --min-accuracy}.
 *
 * <p>Deterministic: the PyTorch seed is set before parameter initialisation, the epoch order is a
 * seeded Fisher-Yates permutation, and torch runs with a fixed number of intra-op threads and one
 * inter-op thread. The same seed, thread count and options give a byte-identical params file.
 *
 * <p>Exit codes: 0 success (or {@code --check}: up to date), 1 bad arguments or I/O error, 2 test
 * accuracy below {@code --min-accuracy}, 3 {@code --check}: not up to date.
 */
public final class TrainFashionCnnJob {

    /** Version of the trained artefact recorded in the card; bump to force a retrain. */
    public static final String MODEL_VERSION = "1.0.0";
    public static final String PARAMS_FILE = FashionCnn.MODEL_NAME + "-0000.params";
    public static final String LABELS_FILE = "labels.txt";
    public static final String CARD_JSON = "model-card.json";
    public static final String CARD_MD = "MODEL_CARD.md";
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";
    public static final List<String> DATA_FILES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_LOW_ACCURACY = 2;
    public static final int EXIT_NOT_UP_TO_DATE = 3;

    private static final int EVAL_BATCH = 250;

    private TrainFashionCnnJob() {}

    /** Training options; see the class comment for the command-line flags. */
    public record Options(
            Path dataDir,
            Path outDir,
            int epochs,
            int seed,
            int batchSize,
            int threads,
            float learningRate,
            double minAccuracy,
            int trainLimit,
            int testLimit) {

        public static Options defaults(Path dataDir, Path outDir) {
            return new Options(dataDir, outDir, 4, 42, 128, 2, 0.002f, 0.89, 0, 0);
        }

        public Options withEpochs(int e) {
            return new Options(dataDir, outDir, e, seed, batchSize, threads, learningRate, minAccuracy, trainLimit, testLimit);
        }

        public Options withOutDir(Path o) {
            return new Options(dataDir, o, epochs, seed, batchSize, threads, learningRate, minAccuracy, trainLimit, testLimit);
        }

        public Options withLimits(int train, int test) {
            return new Options(dataDir, outDir, epochs, seed, batchSize, threads, learningRate, minAccuracy, train, test);
        }

        public Options withMinAccuracy(double m) {
            return new Options(dataDir, outDir, epochs, seed, batchSize, threads, learningRate, m, trainLimit, testLimit);
        }
    }

    /** What a training run produced. */
    public record Result(
            double testAccuracy,
            double[] perClassAccuracy,
            String paramsSha256,
            double trainSeconds,
            double totalSeconds,
            long parameterCount,
            boolean passed) {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** {@link #main} without the {@code System.exit}; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Path dataDir = Paths.get("/usr/share/datasets/fashion-mnist");
        Path outDir = null;
        boolean check = false;
        Options d = Options.defaults(dataDir, null);
        int epochs = d.epochs();
        int seed = d.seed();
        int batchSize = d.batchSize();
        int threads = d.threads();
        float lr = d.learningRate();
        double minAccuracy = d.minAccuracy();
        int trainLimit = 0;
        int testLimit = 0;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--check" -> check = true;
                    case "--data-dir" -> dataDir = Paths.get(value(args, ++i, a));
                    case "--out" -> outDir = Paths.get(value(args, ++i, a));
                    case "--epochs" -> epochs = positive(value(args, ++i, a), a);
                    case "--seed" -> seed = Integer.parseInt(value(args, ++i, a));
                    case "--batch-size" -> batchSize = positive(value(args, ++i, a), a);
                    case "--threads" -> threads = positive(value(args, ++i, a), a);
                    case "--lr" -> lr = Float.parseFloat(value(args, ++i, a));
                    case "--min-accuracy" -> minAccuracy = Double.parseDouble(value(args, ++i, a));
                    case "--train-limit" -> trainLimit = positive(value(args, ++i, a), a);
                    case "--test-limit" -> testLimit = positive(value(args, ++i, a), a);
                    case "-h", "--help" -> {
                        out.println(usage());
                        return EXIT_OK;
                    }
                    default -> throw new IllegalArgumentException("unknown argument: " + a);
                }
            }
            if (outDir == null) {
                throw new IllegalArgumentException("--out is required");
            }
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(usage());
            return EXIT_ERROR;
        }

        if (check) {
            boolean ok = isUpToDate(outDir);
            out.println(ok
                    ? outDir + ": fashion-cnn " + MODEL_VERSION + " is up to date"
                    : outDir + ": fashion-cnn is missing or stale (params sha256 does not match " + CARD_JSON + ")");
            return ok ? EXIT_OK : EXIT_NOT_UP_TO_DATE;
        }

        Options options = new Options(dataDir, outDir, epochs, seed, batchSize, threads, lr, minAccuracy,
                trainLimit, testLimit);
        try {
            Result r = train(options, out);
            if (!r.passed()) {
                err.printf(Locale.ROOT,
                        "FAILED: fashion-cnn test accuracy %.4f is below the required %.4f; no model card was "
                                + "written to %s (try more --epochs)%n",
                        r.testAccuracy(), minAccuracy, outDir);
                return EXIT_LOW_ACCURACY;
            }
            return EXIT_OK;
        } catch (IOException | RuntimeException | MalformedModelException e) {
            err.println("error: training fashion-cnn failed: " + e);
            e.printStackTrace(err);
            return EXIT_ERROR;
        }
    }

    private static String usage() {
        return "usage: TrainFashionCnnJob --data-dir DIR --out DIR [--epochs N] [--seed S] [--batch-size B]"
                + " [--threads T] [--lr LR] [--min-accuracy A] [--train-limit N] [--test-limit N]\n"
                + "       TrainFashionCnnJob --check --out DIR   (exit 0 up to date, 3 otherwise)";
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static int positive(String v, String flag) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs an integer, got " + v);
        }
        if (n <= 0) {
            throw new IllegalArgumentException(flag + " must be positive, got " + v);
        }
        return n;
    }

    /**
     * True when {@code outDir/model-card.json} exists, records this {@link #MODEL_VERSION}, and its
     * params sha256 equals the sha256 of {@code outDir/fashion-cnn-0000.params}; {@code labels.txt}
     * must be present too.
     */
    public static boolean isUpToDate(Path outDir) {
        Path card = outDir.resolve(CARD_JSON);
        Path params = outDir.resolve(PARAMS_FILE);
        if (!Files.isRegularFile(card) || !Files.isRegularFile(params)
                || !Files.isRegularFile(outDir.resolve(LABELS_FILE))) {
            return false;
        }
        try {
            JsonObject json = JsonParser.parseString(Files.readString(card)).getAsJsonObject();
            JsonElement version = json.get("version");
            JsonObject artifacts = json.getAsJsonObject("artifacts");
            if (version == null || !MODEL_VERSION.equals(version.getAsString()) || artifacts == null) {
                return false;
            }
            JsonElement recorded = artifacts.get("params_sha256");
            return recorded != null && recorded.getAsString().equalsIgnoreCase(sha256(params));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Hex sha256 of a file. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Pins torch's thread pools (before the engine starts where possible) and returns the engine. */
    static Engine pytorch(int threads) {
        // Read once, when the PyTorch engine starts; the inter-op pool cannot change afterwards.
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        }
        Engine engine = Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        return engine;
    }

    /** Trains, evaluates and writes the model directory. */
    public static Result train(Options o, PrintStream log) throws IOException, MalformedModelException {
        long t0 = System.nanoTime();
        Path outDir = o.outDir();
        Files.createDirectories(outDir);
        // A run in progress (or a failed one) must never look up to date.
        Files.deleteIfExists(outDir.resolve(CARD_JSON));
        Files.deleteIfExists(outDir.resolve(CARD_MD));

        IdxImages trainImages = IdxImages.readImages(dataFile(o.dataDir(), TRAIN_IMAGES));
        int[] trainLabels = IdxImages.readLabels(dataFile(o.dataDir(), TRAIN_LABELS));
        IdxImages testImages = IdxImages.readImages(dataFile(o.dataDir(), TEST_IMAGES));
        int[] testLabels = IdxImages.readLabels(dataFile(o.dataDir(), TEST_LABELS));
        checkPair(trainImages, trainLabels);
        checkPair(testImages, testLabels);
        int nTrain = o.trainLimit() > 0 ? Math.min(o.trainLimit(), trainImages.count()) : trainImages.count();
        int nTest = o.testLimit() > 0 ? Math.min(o.testLimit(), testImages.count()) : testImages.count();

        Engine engine = pytorch(o.threads());
        int threadsInUse = JniUtils.getNumThreads();
        int interopInUse = JniUtils.getNumInteropThreads();
        log.printf(Locale.ROOT, "fashion-cnn: %d train / %d test images, %d epochs, batch %d, lr %s, seed %d, "
                        + "torch %s (%d intra-op, %d inter-op threads)%n",
                nTrain, nTest, o.epochs(), o.batchSize(), o.learningRate(), o.seed(), engine.getVersion(),
                threadsInUse, interopInUse);

        int stepsPerEpoch = (nTrain + o.batchSize() - 1) / o.batchSize();
        int totalSteps = stepsPerEpoch * o.epochs();
        Tracker lr = Tracker.cosine()
                .setBaseValue(o.learningRate())
                .optFinalValue(o.learningRate() * 0.02f)
                .setMaxUpdates(totalSteps)
                .build();

        Block block = FashionCnn.newBlock();
        double trainSeconds;
        double accuracy;
        double[] perClass = new double[FashionCnn.NUM_CLASSES];
        long paramCount;
        try (Model model = Model.newInstance(FashionCnn.MODEL_NAME, Device.cpu(), "PyTorch")) {
            model.setBlock(block);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(lr).build())
                    .optDevices(new Device[] {Device.cpu()});
            engine.setRandomSeed(o.seed());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(FashionCnn.inputShape(o.batchSize()));
                paramCount = FashionCnn.parameterCount(block);

                Random shuffle = new Random(o.seed());
                int[] order = new int[nTrain];
                for (int i = 0; i < nTrain; i++) {
                    order[i] = i;
                }
                int px = FashionCnn.INPUT_SIZE * FashionCnn.INPUT_SIZE;
                byte[] pixels = trainImages.pixels();
                float[] batchData = new float[o.batchSize() * px];
                long[] batchLabels = new long[o.batchSize()];
                long trainStart = System.nanoTime();
                long cpuStart = processCpuNanos();
                for (int epoch = 1; epoch <= o.epochs(); epoch++) {
                    long epochStart = System.nanoTime();
                    for (int i = nTrain - 1; i > 0; i--) {
                        int j = shuffle.nextInt(i + 1);
                        int t = order[i];
                        order[i] = order[j];
                        order[j] = t;
                    }
                    double lossSum = 0;
                    long correct = 0;
                    for (int start = 0; start < nTrain; start += o.batchSize()) {
                        int n = Math.min(o.batchSize(), nTrain - start);
                        for (int b = 0; b < n; b++) {
                            int img = order[start + b];
                            int src = img * px;
                            int dst = b * px;
                            for (int p = 0; p < px; p++) {
                                batchData[dst + p] = FashionCnn.normalize(pixels[src + p] & 0xFF);
                            }
                            batchLabels[b] = trainLabels[img];
                        }
                        try (NDManager bm = trainer.getManager().newSubManager()) {
                            NDArray x = bm.create(java.nio.FloatBuffer.wrap(batchData, 0, n * px),
                                    FashionCnn.inputShape(n));
                            NDArray y = bm.create(java.nio.LongBuffer.wrap(batchLabels, 0, n), new Shape(n));
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDList out = trainer.forward(new NDList(x));
                                NDArray logits = out.get(FashionCnn.LOGITS_INDEX);
                                NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
                                gc.backward(loss);
                                lossSum += loss.getFloat() * n;
                                correct += logits.argMax(1).eq(y).sum().getLong();
                            }
                            trainer.step();
                        }
                    }
                    double secs = (System.nanoTime() - epochStart) / 1e9;
                    log.printf(Locale.ROOT, "epoch %d/%d: loss %.4f, train acc %.4f, %.1f s (%.1f cpu-s so far)%n",
                            epoch, o.epochs(), lossSum / nTrain, (double) correct / nTrain, secs,
                            (processCpuNanos() - cpuStart) / 1e9);
                }
                trainSeconds = (System.nanoTime() - trainStart) / 1e9;

                // Evaluation on the test split (inference mode: BatchNorm uses its running statistics).
                long[] classTotal = new long[FashionCnn.NUM_CLASSES];
                long[] classCorrect = new long[FashionCnn.NUM_CLASSES];
                for (int start = 0; start < nTest; start += EVAL_BATCH) {
                    int n = Math.min(EVAL_BATCH, nTest - start);
                    try (NDManager bm = trainer.getManager().newSubManager()) {
                        NDArray x = FashionCnn.toInput(bm, testImages.pixels(), start, n);
                        NDList out = trainer.evaluate(new NDList(x));
                        long[] pred = out.get(FashionCnn.LOGITS_INDEX).argMax(1).toLongArray();
                        for (int b = 0; b < n; b++) {
                            int label = testLabels[start + b];
                            classTotal[label]++;
                            if (pred[b] == label) {
                                classCorrect[label]++;
                            }
                        }
                    }
                }
                long total = 0;
                long right = 0;
                for (int c = 0; c < FashionCnn.NUM_CLASSES; c++) {
                    total += classTotal[c];
                    right += classCorrect[c];
                    perClass[c] = classTotal[c] == 0 ? Double.NaN : (double) classCorrect[c] / classTotal[c];
                }
                accuracy = (double) right / total;
            }
            // DJL numbers saved params by epoch and would write -0001 next to an old -0000: pin it, so the
            // spec's file name always holds the latest weights.
            model.setProperty("Epoch", "0");
            model.save(outDir, FashionCnn.MODEL_NAME);
        }
        Files.write(outDir.resolve(LABELS_FILE), FashionCnn.CLASS_NAMES, StandardCharsets.UTF_8);
        String paramsSha = sha256(outDir.resolve(PARAMS_FILE));
        double totalSeconds = (System.nanoTime() - t0) / 1e9;
        boolean passed = accuracy >= o.minAccuracy();
        log.printf(Locale.ROOT, "test accuracy %.4f (%d images), training %.1f s, total %.1f s, params sha256 %s%n",
                accuracy, nTest, trainSeconds, totalSeconds, paramsSha);
        Result result = new Result(accuracy, perClass, paramsSha, trainSeconds, totalSeconds, paramCount, passed);
        if (passed) {
            writeCards(o, result, nTrain, nTest, block, engine);
            log.println("wrote " + outDir.toAbsolutePath());
        }
        return result;
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0L;
    }

    private static Path dataFile(Path dataDir, String name) throws IOException {
        Path p = dataDir.resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IOException("Fashion-MNIST file " + p + " not found (install the Debian package "
                    + "dataset-fashion-mnist, or pass --data-dir)");
        }
        return p;
    }

    private static void checkPair(IdxImages images, int[] labels) throws IOException {
        if (images.count() != labels.length) {
            throw new IOException(images.source() + " has " + images.count() + " images but its label file has "
                    + labels.length + " labels");
        }
        if (images.rows() != FashionCnn.INPUT_SIZE || images.cols() != FashionCnn.INPUT_SIZE) {
            throw new IOException(images.source() + " has " + images.rows() + "x" + images.cols()
                    + " images, expected " + FashionCnn.INPUT_SIZE + "x" + FashionCnn.INPUT_SIZE);
        }
        for (int label : labels) {
            if (label >= FashionCnn.NUM_CLASSES) {
                throw new IOException("label " + label + " out of range 0.." + (FashionCnn.NUM_CLASSES - 1)
                        + " in the labels of " + images.source());
            }
        }
    }

    private static List<String> layerSummary(Block block) {
        List<String> layers = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter param = p.getValue();
            Shape s = param.getArray() == null ? null : param.getArray().getShape();
            layers.add(p.getKey() + " " + s + (param.requiresGradient() ? "" : " (running statistic)"));
        }
        return layers;
    }

    private static void writeCards(Options o, Result r, int nTrain, int nTest, Block block, Engine engine)
            throws IOException {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", FashionCnn.MODEL_NAME);
        card.put("version", MODEL_VERSION);
        card.put("description", "Small CNN classifier for 28x28 grey clothing images (Fashion-MNIST); "
                + "emits class logits and a " + FashionCnn.EMBEDDING_SIZE + "-float embedding.");

        Map<String, Object> arch = new LinkedHashMap<>();
        arch.put("block_class", FashionCnn.class.getName());
        arch.put("summary", "conv3x3(16,pad1)-batchnorm-relu-maxpool2 -> conv3x3(32,pad1)-batchnorm-relu-maxpool2"
                + " -> flatten -> dense(" + FashionCnn.EMBEDDING_SIZE + ")-relu [embedding] -> dense("
                + FashionCnn.NUM_CLASSES + ") [logits]");
        arch.put("input", "NDList(float32 [N,1,28,28])");
        arch.put("outputs", List.of("logits float32 [N," + FashionCnn.NUM_CLASSES + "] (softmax on axis 1 for "
                + "probabilities)", "embedding float32 [N," + FashionCnn.EMBEDDING_SIZE + "] (post-ReLU penultimate layer)"));
        arch.put("parameter_count", r.parameterCount());
        arch.put("parameters", layerSummary(block));
        card.put("architecture", arch);
        card.put("embedding_size", FashionCnn.EMBEDDING_SIZE);
        card.put("classes", FashionCnn.CLASS_NAMES);

        Map<String, Object> data = new LinkedHashMap<>();
        data.put("dataset", "Fashion-MNIST");
        data.put("source", "Debian package dataset-fashion-mnist");
        data.put("directory", o.dataDir().toAbsolutePath().toString());
        data.put("train_images", nTrain);
        data.put("test_images", nTest);
        Map<String, String> shas = new LinkedHashMap<>();
        for (String f : DATA_FILES) {
            shas.put(f, sha256(o.dataDir().resolve(f)));
        }
        data.put("sha256", shas);
        card.put("data", data);

        Map<String, Object> pre = new LinkedHashMap<>();
        pre.put("color", "grey, 1 channel");
        pre.put("size", FashionCnn.INPUT_SIZE + "x" + FashionCnn.INPUT_SIZE);
        pre.put("normalization", "(pixel/255 - mean)/std");
        pre.put("mean", FashionCnn.MEAN);
        pre.put("std", FashionCnn.STD);
        card.put("preprocessing", pre);

        Map<String, Object> training = new LinkedHashMap<>();
        training.put("epochs", o.epochs());
        training.put("batch_size", o.batchSize());
        training.put("seed", o.seed());
        training.put("optimizer", String.format(Locale.ROOT,
                "Adam (beta1 0.9, beta2 0.999), cosine learning rate %s -> %.2g over all updates",
                o.learningRate(), o.learningRate() * 0.02f));
        training.put("learning_rate", o.learningRate());
        training.put("loss", "softmax cross-entropy");
        training.put("torch_threads", o.threads());
        training.put("shuffle", "seeded Fisher-Yates (java.util.Random(seed)) each epoch");
        training.put("training_seconds", round(r.trainSeconds(), 1));
        training.put("total_seconds", round(r.totalSeconds(), 1));
        card.put("training", training);

        Map<String, Object> eval = new LinkedHashMap<>();
        eval.put("split", "test");
        eval.put("images", nTest);
        eval.put("accuracy", round(r.testAccuracy(), 4));
        Map<String, Object> perClass = new LinkedHashMap<>();
        for (int c = 0; c < FashionCnn.NUM_CLASSES; c++) {
            perClass.put(FashionCnn.CLASS_NAMES.get(c), round(r.perClassAccuracy()[c], 4));
        }
        eval.put("per_class_accuracy", perClass);
        card.put("evaluation", eval);

        Map<String, Object> artifacts = new LinkedHashMap<>();
        artifacts.put("params_file", PARAMS_FILE);
        artifacts.put("params_sha256", r.paramsSha256());
        artifacts.put("labels_file", LABELS_FILE);
        card.put("artifacts", artifacts);

        Map<String, Object> sw = new LinkedHashMap<>();
        sw.put("djl", Engine.getDjlVersion());
        sw.put("engine", "PyTorch");
        sw.put("pytorch", engine.getVersion());
        sw.put("java", System.getProperty("java.version"));
        card.put("software", sw);
        card.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());

        Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues()
                .create();
        Path outDir = o.outDir();
        Files.writeString(outDir.resolve(CARD_MD), markdown(card, r, o, nTrain, nTest, block), StandardCharsets.UTF_8);
        // model-card.json last: its presence (with a matching sha256) marks the directory complete.
        Path tmp = outDir.resolve(CARD_JSON + ".tmp");
        Files.writeString(tmp, gson.toJson(card) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, outDir.resolve(CARD_JSON), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static double round(double v, int digits) {
        if (Double.isNaN(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> card, Result r, Options o, int nTrain, int nTest, Block block) {
        Map<String, Object> data = (Map<String, Object>) card.get("data");
        Map<String, String> shas = (Map<String, String>) data.get("sha256");
        Map<String, Object> sw = (Map<String, Object>) card.get("software");
        Map<String, Object> training = (Map<String, Object>) card.get("training");
        StringBuilder md = new StringBuilder();
        md.append("# Model card: ").append(FashionCnn.MODEL_NAME).append(' ').append(MODEL_VERSION).append("\n\n");
        md.append(card.get("description")).append("\n\n");
        md.append("## Architecture\n\n");
        md.append("`").append(FashionCnn.class.getName()).append("` (DJL block, re-created from code at inference)\n\n");
        md.append("    ").append(((Map<String, Object>) card.get("architecture")).get("summary")).append("\n\n");
        md.append("- Input: `NDList(float32 [N,1,28,28])`\n");
        md.append("- Output: `NDList(logits [N,10], embedding [N,").append(FashionCnn.EMBEDDING_SIZE).append("])`\n");
        md.append("- Trainable parameters: ").append(r.parameterCount()).append("\n");
        md.append("- Classes (index order, also in `labels.txt`): ")
                .append(String.join(", ", FashionCnn.CLASS_NAMES)).append("\n\n");
        md.append("## Data\n\n");
        md.append("Fashion-MNIST from the Debian package `dataset-fashion-mnist` (`").append(data.get("directory"))
                .append("`): train ").append(nTrain).append(" images, test ").append(nTest).append(" images.\n\n");
        md.append("| file | sha256 |\n|---|---|\n");
        shas.forEach((f, s) -> md.append("| ").append(f).append(" | `").append(s).append("` |\n"));
        md.append("\n## Preprocessing\n\n");
        md.append(String.format(Locale.ROOT, "Grey, %dx%d, `(pixel/255 - %.4f) / %.4f`.%n%n",
                FashionCnn.INPUT_SIZE, FashionCnn.INPUT_SIZE, FashionCnn.MEAN, FashionCnn.STD));
        md.append("## Training\n\n");
        md.append("- Epochs: ").append(o.epochs()).append("\n");
        md.append("- Batch size: ").append(o.batchSize()).append("\n");
        md.append("- Seed: ").append(o.seed()).append("\n");
        md.append("- Optimizer: ").append(training.get("optimizer")).append("\n");
        md.append("- Loss: softmax cross-entropy\n");
        md.append("- Torch threads: ").append(o.threads()).append(" intra-op, 1 inter-op\n");
        md.append(String.format(Locale.ROOT, "- Training time: %.1f s (total run %.1f s)%n",
                r.trainSeconds(), r.totalSeconds()));
        md.append("\n## Evaluation (test split)\n\n");
        md.append(String.format(Locale.ROOT, "Accuracy: **%.4f**%n%n", r.testAccuracy()));
        md.append("| class | accuracy |\n|---|---|\n");
        for (int c = 0; c < FashionCnn.NUM_CLASSES; c++) {
            md.append(String.format(Locale.ROOT, "| %s | %.4f |%n", FashionCnn.CLASS_NAMES.get(c),
                    r.perClassAccuracy()[c]));
        }
        md.append("\n## Artifacts\n\n");
        md.append("- `").append(PARAMS_FILE).append("` sha256 `").append(r.paramsSha256()).append("`\n");
        md.append("- `").append(LABELS_FILE).append("`, `").append(CARD_JSON).append("`\n\n");
        md.append("## Software\n\n");
        md.append("DJL ").append(sw.get("djl")).append(", PyTorch ").append(sw.get("pytorch")).append(" (CPU), Java ")
                .append(sw.get("java")).append("\n\n");
        md.append("Date: ").append(card.get("date")).append("\n");
        return md.toString();
    }
}

package io.visionlake.udfs.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/**
 * {@code fashion-cnn}: the project's default image classifier, a small CNN for 28x28 grey images
 * trained on Fashion-MNIST.
 *
 * <p>Architecture (input {@code [N,1,28,28]} float32, normalised as {@code (pixel/255 - MEAN)/STD}):
 *
 * <pre>
 *   conv 3x3, 16, pad 1 - batchnorm - relu - maxpool 2   -> [N,16,14,14]
 *   conv 3x3, 32, pad 1 - batchnorm - relu - maxpool 2   -> [N,32,7,7]
 *   flatten - dense 128 - relu                           -> [N,128]  = embedding
 *   dense 10                                             -> [N,10]   = logits
 * </pre>
 *
 * <p>The widths are small on purpose: on 2 CPU cores this trains to about 0.91 test accuracy in a
 * few epochs; doubling them (32/64) costs about 2.5x the time for little accuracy.
 *
 * <p>{@code forward} returns {@code NDList(logits [N,10], embedding [N,EMBEDDING_SIZE])}, in that
 * order ({@link #LOGITS_INDEX}, {@link #EMBEDDING_INDEX}). Logits are raw scores; apply softmax on
 * axis 1 for probabilities. The embedding is the post-ReLU penultimate layer (non-negative).
 *
 * <p>The block has no state outside its parameters, so inference re-creates it from code and loads
 * the trained parameters:
 *
 * <pre>{@code
 * Criteria<NDList, NDList> criteria = Criteria.builder()
 *         .setTypes(NDList.class, NDList.class)
 *         .optEngine("PyTorch")
 *         .optModelPath(dir)                    // holds fashion-cnn-0000.params
 *         .optModelName(FashionCnn.MODEL_NAME)
 *         .optBlock(FashionCnn.newBlock())
 *         .build();
 * }</pre>
 *
 * <p>Class labels ({@link #CLASS_NAMES}, index order = Fashion-MNIST label value) are lower-case
 * kebab-case ASCII, with no slash or space, so that they are safe as file names, partition values
 * and column values: the dataset's "T-shirt/top" is {@code t-shirt-top}, "Ankle boot" is {@code
 * ankle-boot}.
 */
public final class FashionCnn extends AbstractBlock {

    /** Model name: the params file is {@code fashion-cnn-0000.params}. */
    public static final String MODEL_NAME = "fashion-cnn";
    /** Input images are {@code INPUT_SIZE x INPUT_SIZE}, one grey channel. */
    public static final int INPUT_SIZE = 28;
    /** Number of input channels (grey). */
    public static final int CHANNELS = 1;
    /** Length of the embedding (penultimate layer). */
    public static final int EMBEDDING_SIZE = 128;
    /** Class labels, index = Fashion-MNIST label value. */
    public static final List<String> CLASS_NAMES = List.of(
            "t-shirt-top", "trouser", "pullover", "dress", "coat",
            "sandal", "shirt", "sneaker", "bag", "ankle-boot");
    /** Number of classes. */
    public static final int NUM_CLASSES = 10;
    /** Mean of pixel/255 over the Fashion-MNIST training set. */
    public static final float MEAN = 0.2860f;
    /** Standard deviation of pixel/255 over the Fashion-MNIST training set. */
    public static final float STD = 0.3530f;
    /** Position of the logits in the forward output. */
    public static final int LOGITS_INDEX = 0;
    /** Position of the embedding in the forward output. */
    public static final int EMBEDDING_INDEX = 1;

    private static final byte VERSION = 1;

    private final SequentialBlock features;
    private final Linear classifier;

    private FashionCnn() {
        super(VERSION);
        features = addChildBlock("features", new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                        .setFilters(16).build())
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                        .setFilters(32).build())
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(EMBEDDING_SIZE).build())
                .add(Activation::relu));
        classifier = addChildBlock("classifier", Linear.builder().setUnits(NUM_CLASSES).build());
    }

    /** A fresh, uninitialised {@code fashion-cnn} block (initialise it, or load parameters into it). */
    public static Block newBlock() {
        return new FashionCnn();
    }

    /** Input shape for a batch of {@code n} images: {@code [n,1,28,28]}. */
    public static Shape inputShape(long n) {
        return new Shape(n, CHANNELS, INPUT_SIZE, INPUT_SIZE);
    }

    /** Normalises one grey value (0..255) the way the model expects. */
    public static float normalize(int grey) {
        return (grey / 255f - MEAN) / STD;
    }

    /**
     * Builds a normalised {@code [n,1,28,28]} float32 batch from unsigned grey bytes laid out image
     * after image (as in {@link IdxImages#pixels()}), starting at image {@code first}.
     */
    public static NDArray toInput(NDManager manager, byte[] pixels, int first, int n) {
        int size = INPUT_SIZE * INPUT_SIZE;
        float[] data = new float[n * size];
        int offset = first * size;
        for (int i = 0; i < data.length; i++) {
            data[i] = normalize(pixels[offset + i] & 0xFF);
        }
        return manager.create(data, inputShape(n));
    }

    /** Total number of trainable values (BatchNorm running statistics excluded). */
    public static long parameterCount(Block block) {
        long total = 0;
        for (Parameter p : block.getParameters().values()) {
            if (p.requiresGradient() && p.getArray() != null) {
                total += p.getArray().size();
            }
        }
        return total;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList embedding = features.forward(parameterStore, new NDList(inputs.head()), training, params);
        NDArray logits = classifier.forward(parameterStore, embedding, training, params).singletonOrThrow();
        return new NDList(logits, embedding.singletonOrThrow());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape embedding = features.getOutputShapes(new Shape[] {inputShapes[0]})[0];
        Shape logits = classifier.getOutputShapes(new Shape[] {embedding})[0];
        return new Shape[] {logits, embedding};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        features.initialize(manager, dataType, inputShapes[0]);
        Shape embedding = features.getOutputShapes(new Shape[] {inputShapes[0]})[0];
        classifier.initialize(manager, dataType, embedding);
    }

    @Override
    public String toString() {
        return "FashionCnn(conv16-bn-relu-pool, conv32-bn-relu-pool, dense" + EMBEDDING_SIZE
                + "-relu [embedding], dense" + NUM_CLASSES + " [logits])";
    }
}

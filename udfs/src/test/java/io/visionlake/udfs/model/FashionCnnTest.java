package io.visionlake.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UnitTest
class FashionCnnTest {

    @Test
    void forwardReturnsLogitsThenEmbedding() {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            Block block = FashionCnn.newBlock();
            block.initialize(manager, DataType.FLOAT32, FashionCnn.inputShape(5));
            NDArray x = manager.randomNormal(new Shape(5, 1, 28, 28));

            NDList out = block.forward(new ParameterStore(manager, false), new NDList(x), false);

            assertThat(out.size()).as("forward returns (logits, embedding)").isEqualTo(2);
            assertThat(out.get(FashionCnn.LOGITS_INDEX).getShape()).as("logits shape")
                    .isEqualTo(new Shape(5, FashionCnn.NUM_CLASSES));
            assertThat(out.get(FashionCnn.EMBEDDING_INDEX).getShape()).as("embedding shape")
                    .isEqualTo(new Shape(5, FashionCnn.EMBEDDING_SIZE));
            assertThat(out.get(FashionCnn.EMBEDDING_INDEX).getDataType()).as("embedding dtype")
                    .isEqualTo(DataType.FLOAT32);
            assertThat(out.get(FashionCnn.EMBEDDING_INDEX).min().getFloat()).as("embedding is post-ReLU")
                    .isGreaterThanOrEqualTo(0f);
            assertThat(block.getOutputShapes(new Shape[] {FashionCnn.inputShape(5)}))
                    .as("declared output shapes match the actual ones")
                    .containsExactly(new Shape(5, 10), new Shape(5, FashionCnn.EMBEDDING_SIZE));
            assertThat(FashionCnn.parameterCount(block)).as("small model").isBetween(50_000L, 1_000_000L);

            NDList train = block.forward(new ParameterStore(manager, false), new NDList(x), true);
            assertThat(train.get(0).getShape()).as("training-mode forward works too").isEqualTo(new Shape(5, 10));
        }
    }

    @Test
    void constantsAreConsistent() {
        assertThat(FashionCnn.CLASS_NAMES).as("ten Fashion-MNIST classes").hasSize(FashionCnn.NUM_CLASSES)
                .doesNotHaveDuplicates();
        assertThat(FashionCnn.CLASS_NAMES).as("labels are slash/space free lower-case kebab-case")
                .allMatch(n -> n.matches("[a-z]+(-[a-z]+)*"));
        assertThat(FashionCnn.CLASS_NAMES.get(0)).as("label 0").isEqualTo("t-shirt-top");
        assertThat(FashionCnn.CLASS_NAMES.get(9)).as("label 9").isEqualTo("ankle-boot");
        assertThat(FashionCnn.normalize(0)).as("black").isCloseTo(-0.2860f / 0.3530f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(FashionCnn.normalize(255)).as("white").isCloseTo((1 - 0.2860f) / 0.3530f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    /** The exact loading path inference uses: block re-created from code, params loaded from the directory. */
    @Test
    void savedParamsLoadThroughCriteriaWithBlockFromCode(@TempDir Path dir) throws Exception {
        float[] expectedLogits;
        float[] expectedEmbedding;
        try (Model model = Model.newInstance(FashionCnn.MODEL_NAME, Device.cpu(), "PyTorch")) {
            model.setBlock(FashionCnn.newBlock());
            NDManager m = model.getNDManager();
            Engine.getEngine("PyTorch").setRandomSeed(7);
            model.getBlock().initialize(m, DataType.FLOAT32, FashionCnn.inputShape(1));
            NDArray x = probe(m);
            NDList out = model.getBlock().forward(new ParameterStore(m, false), new NDList(x), false);
            expectedLogits = out.get(0).toFloatArray();
            expectedEmbedding = out.get(1).toFloatArray();
            model.save(dir, FashionCnn.MODEL_NAME);
        }
        assertThat(dir.resolve("fashion-cnn-0000.params")).as("Model.save file name").isRegularFile();

        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optEngine("PyTorch")
                .optModelPath(dir)
                .optModelName(FashionCnn.MODEL_NAME)
                .optBlock(FashionCnn.newBlock())
                .build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDList out = predictor.predict(new NDList(probe(m)));
            assertThat(out.get(0).getShape()).as("logits [N,10]").isEqualTo(new Shape(3, 10));
            assertThat(out.get(1).getShape()).as("embedding [N,E]").isEqualTo(new Shape(3, FashionCnn.EMBEDDING_SIZE));
            assertThat(out.get(0).toFloatArray()).as("loaded model reproduces the saved model's logits")
                    .containsExactly(expectedLogits, org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(out.get(1).toFloatArray()).as("loaded model reproduces the saved model's embedding")
                    .containsExactly(expectedEmbedding, org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(Files.list(dir).count()).as("nothing else written").isEqualTo(1);
    }

    private static NDArray probe(NDManager m) {
        float[] data = new float[3 * 28 * 28];
        for (int i = 0; i < data.length; i++) {
            data[i] = FashionCnn.normalize((i * 37) % 256);
        }
        return m.create(data, FashionCnn.inputShape(3));
    }
}

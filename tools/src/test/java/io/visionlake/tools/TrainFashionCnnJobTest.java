package io.visionlake.tools;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.visionlake.tools.TrainFashionCnnJob.Options;
import io.visionlake.tools.TrainFashionCnnJob.Result;
import io.visionlake.udfs.model.FashionCnn;
import io.visionlake.udfs.model.IdxImages;
import io.visionlake.udfs.testing.IntegrationTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short trainings on a subset: determinism, the card, --check and the inference loading path. */
@IntegrationTest
class TrainFashionCnnJobTest {

    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

    static Path data() {
        assertThat(DATA.resolve(TrainFashionCnnJob.TRAIN_IMAGES)).as("Fashion-MNIST is missing from %s: run the "
                + "project setup (it installs the Debian package dataset-fashion-mnist)", DATA).isRegularFile();
        return DATA;
    }

    static Options small(Path out) {
        return Options.defaults(data(), out).withEpochs(2).withLimits(3000, 500).withMinAccuracy(0);
    }

    @Test
    void sameSeedGivesIdenticalParamsAndTheModelLoadsForInference(@TempDir Path tmp) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Result ra = TrainFashionCnnJob.train(small(a), quiet);
        Result rb = TrainFashionCnnJob.train(small(b), quiet);

        assertThat(ra.paramsSha256()).as("training twice with seed 42 gives byte-identical params")
                .isEqualTo(rb.paramsSha256())
                .isEqualTo(TrainFashionCnnJob.sha256(a.resolve(TrainFashionCnnJob.PARAMS_FILE)));
        assertThat(ra.testAccuracy()).as("same accuracy too").isEqualTo(rb.testAccuracy());

        // The card round-trip.
        assertThat(a.resolve("fashion-cnn-0000.params")).as("params file").isRegularFile();
        assertThat(Files.readAllLines(a.resolve("labels.txt"))).as("labels.txt in index order")
                .isEqualTo(FashionCnn.CLASS_NAMES);
        assertThat(a.resolve("MODEL_CARD.md")).as("markdown card").isRegularFile();
        JsonObject card = JsonParser.parseString(Files.readString(a.resolve("model-card.json"))).getAsJsonObject();
        assertThat(card.get("name").getAsString()).as("card name").isEqualTo("fashion-cnn");
        assertThat(card.get("version").getAsString()).as("card version").isEqualTo(TrainFashionCnnJob.MODEL_VERSION);
        assertThat(card.get("embedding_size").getAsInt()).as("card embedding size").isEqualTo(FashionCnn.EMBEDDING_SIZE);
        assertThat(card.getAsJsonObject("artifacts").get("params_sha256").getAsString()).as("card params sha256")
                .isEqualTo(ra.paramsSha256());
        assertThat(card.getAsJsonObject("data").getAsJsonObject("sha256").keySet()).as("sha256 of the four .gz files")
                .containsExactlyElementsOf(TrainFashionCnnJob.DATA_FILES);
        assertThat(card.getAsJsonObject("evaluation").getAsJsonObject("per_class_accuracy").keySet())
                .as("per-class accuracy").containsExactlyElementsOf(FashionCnn.CLASS_NAMES);
        assertThat(card.getAsJsonObject("training").get("seed").getAsInt()).as("card seed").isEqualTo(42);
        assertThat(card.getAsJsonObject("architecture").get("parameter_count").getAsLong()).as("card param count")
                .isEqualTo(ra.parameterCount());

        // isUpToDate / --check.
        assertThat(TrainFashionCnnJob.isUpToDate(a)).as("fresh output is up to date").isTrue();
        assertThat(check(a)).as("--check exits 0 when up to date").isEqualTo(0);
        assertThat(check(tmp.resolve("nothing-here"))).as("--check exits 3 when missing").isEqualTo(3);

        // The inference loading path, on real test images.
        IdxImages test = IdxImages.readImages(DATA.resolve(TrainFashionCnnJob.TEST_IMAGES));
        int[] labels = IdxImages.readLabels(DATA.resolve(TrainFashionCnnJob.TEST_LABELS));
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optEngine("PyTorch")
                .optModelPath(a)
                .optModelName("fashion-cnn")
                .optBlock(FashionCnn.newBlock())
                .build();
        int n = 200;
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDList out = predictor.predict(new NDList(FashionCnn.toInput(m, test.pixels(), 0, n)));
            assertThat(out.get(0).getShape()).as("logits [N,10]").isEqualTo(new Shape(n, 10));
            assertThat(out.get(1).getShape()).as("embedding [N,128]").isEqualTo(new Shape(n, FashionCnn.EMBEDDING_SIZE));
            long[] pred = out.get(0).argMax(1).toLongArray();
            int right = 0;
            for (int i = 0; i < n; i++) {
                right += pred[i] == labels[i] ? 1 : 0;
            }
            assertThat(right / (double) n).as("a 2-epoch/3000-image model mostly predicts the right class")
                    .isGreaterThan(0.6);
        }

        // Any change to the params makes it stale.
        Files.write(a.resolve(TrainFashionCnnJob.PARAMS_FILE), new byte[] {1}, StandardOpenOption.APPEND);
        assertThat(TrainFashionCnnJob.isUpToDate(a)).as("tampered params are not up to date").isFalse();
        assertThat(check(a)).as("--check exits 3 when stale").isEqualTo(3);
        Files.delete(b.resolve(TrainFashionCnnJob.CARD_JSON));
        assertThat(TrainFashionCnnJob.isUpToDate(b)).as("no card, not up to date").isFalse();
    }

    @Test
    void lowAccuracyExitsNonZeroWithoutACard(@TempDir Path tmp) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path out = tmp.resolve("m");
        int code = TrainFashionCnnJob.run(new String[] {"--data-dir", data().toString(), "--out", out.toString(),
                "--epochs", "1", "--train-limit", "256", "--test-limit", "100", "--min-accuracy", "0.99"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as("exit code for accuracy below --min-accuracy").isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).as("clear message").contains("below the required 0.9900");
        assertThat(out.resolve(TrainFashionCnnJob.CARD_JSON)).as("no card for a failed model").doesNotExist();
        assertThat(TrainFashionCnnJob.isUpToDate(out)).as("failed model is never up to date").isFalse();
    }

    @Test
    void badArgumentsExitOne() {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(TrainFashionCnnJob.run(new String[] {"--epochs", "2"}, quiet, quiet)).as("--out missing").isEqualTo(1);
        assertThat(TrainFashionCnnJob.run(new String[] {"--out", "x", "--bogus"}, quiet, quiet)).as("unknown flag")
                .isEqualTo(1);
        assertThat(TrainFashionCnnJob.run(new String[] {"--out", "x", "--epochs", "0"}, quiet, quiet))
                .as("non-positive epochs").isEqualTo(1);
    }

    private static int check(Path dir) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return TrainFashionCnnJob.run(new String[] {"--check", "--out", dir.toString()}, quiet, quiet);
    }
}

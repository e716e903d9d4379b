package io.visionlake.udfs.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.testing.UnitTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The layout tuner on the shipped models (fashion-cnn on PyTorch, PaddleOCR's orientation
 * classifier on ONNX Runtime) and real sample images: what it measures, what it keeps, what
 * switches it off, and that no layout changes an output. Counts timed calls; asserts no timings.
 */
@UnitTest
class LayoutTunerTest {
  /** Generous, so every candidate is measured on a loaded machine; the default is 3 s. */
  static final LayoutTuner.Settings TUNE = new LayoutTuner.Settings(true, null, 120_000);
  static final int CORES = Runtime.getRuntime().availableProcessors();
  static List<byte[]> images;
  static ModelCatalog catalog;

  @BeforeAll
  static void samples() throws IOException {
    catalog = new ModelCatalog(TestPaths.home());
    images = new ArrayList<>();
    for (int i = 0; i < 21; i++) {
      images.add(Files.readAllBytes(TestPaths.required(String.format("data/samples/fashion/test-%05d.png", i))));
    }
  }

  @BeforeEach
  void freshJvm() {
    LayoutTuner.forget();
  }

  @Test
  void picksTheFastestMeasuredCandidateAndTimesOnlyOnce() {
    ModelSpec spec = catalog.resolve("ppocr-orientation"); // ONNX: batch size and threads are both tuned
    int before = LayoutTuner.timedCalls();
    LayoutTuner.Choice first = LayoutTuner.choose(spec, 0, spec.batchSize(), DecodeOptions.defaults(), images, TUNE);

    List<String> candidates = new ArrayList<>();
    for (int t = 1; t <= CORES; t++) {
      for (int b : LayoutTuner.BATCH_CANDIDATES) {
        if (CORES % t == 0) {
          candidates.add(new LayoutTuner.Layout(b, t).toString());
        }
      }
    }
    assertThat(first.source()).isEqualTo("tuned");
    assertThat(first.imagesPerSecond().keySet()).as("batch 1..16 (21 images, batch.size 32) x threads dividing %d cores", CORES)
        .containsExactlyInAnyOrderElementsOf(candidates);
    assertThat(first.imagesPerSecond().get(first.layout().toString())).as("the kept layout is the fastest measured")
        .isEqualTo(Collections.max(first.imagesPerSecond().values()));
    int timed = LayoutTuner.timedCalls() - before;
    int threadCounts = (int) candidates.stream().filter(c -> c.startsWith("batch=1,")).count();
    assertThat(timed).as("a warm-up per thread count, then one warm-up and %d timed calls per candidate", LayoutTuner.TIMED_CALLS)
        .isEqualTo(threadCounts + candidates.size() * (1 + LayoutTuner.TIMED_CALLS));

    LayoutTuner.Choice again = LayoutTuner.choose(spec, 0, spec.batchSize(), DecodeOptions.defaults(), images, TUNE);
    assertThat(again.source()).isEqualTo("cached");
    assertThat(again.layout()).isEqualTo(first.layout());
    LayoutTuner.Choice smaller = LayoutTuner.choose(spec, 0, 2, DecodeOptions.defaults(), images, TUNE);
    assertThat(smaller.layout().batchSize()).as("a caller's smaller batch size caps the kept layout").isLessThanOrEqualTo(2);
    assertThat(LayoutTuner.timedCalls()).as("later partitions of the JVM time nothing").isEqualTo(before + timed);

    LayoutTuner.Choice fewImages = LayoutTuner.choose(spec, 1, spec.batchSize(), DecodeOptions.defaults(), images.subList(0, 3), TUNE);
    assertThat(fewImages.imagesPerSecond().keySet()).as("pinned threads, 3 images: batch 1 and 2 at 1 thread")
        .containsExactly("batch=1,threads=1", "batch=2,threads=1");
  }

  @Test
  void longCallsAreTimedOnceWithoutAWarmUpEach() {
    ModelSpec spec = catalog.resolve("ppocr-orientation");
    long saved = LayoutTuner.LONG_CALL_NANOS;
    LayoutTuner.LONG_CALL_NANOS = 1; // every call counts as long, as a heavy model's do
    try {
      int before = LayoutTuner.timedCalls();
      LayoutTuner.Choice choice = LayoutTuner.choose(spec, 1, spec.batchSize(), DecodeOptions.defaults(), images, TUNE);
      assertThat(choice.imagesPerSecond().keySet()).as("pinned to 1 thread: every batch size still measured")
          .containsExactly("batch=1,threads=1", "batch=2,threads=1", "batch=4,threads=1", "batch=8,threads=1", "batch=16,threads=1");
      assertThat(LayoutTuner.timedCalls() - before)
          .as("the model's warm-up, batch 1's warm-up and one timed call, then one call per larger batch size")
          .isEqualTo(1 + 2 + 4);
    } finally {
      LayoutTuner.LONG_CALL_NANOS = saved;
    }
  }

  @Test
  void theSavedLayoutServesTheNextJvmWithoutTiming(@TempDir Path dir) throws IOException {
    ModelSpec spec = catalog.resolve("fashion-cnn"); // PyTorch: one intra-op pool per process, so batch size only
    LayoutTuner.Settings saving = new LayoutTuner.Settings(true, dir.toString(), 120_000);
    LayoutTuner.Choice tuned = LayoutTuner.choose(spec, 0, spec.batchSize(), DecodeOptions.defaults(), images, saving);
    assertThat(tuned.imagesPerSecond().keySet()).as("PyTorch: every batch size at the configured threads")
        .containsExactly("batch=1,threads=" + CORES, "batch=2,threads=" + CORES, "batch=4,threads=" + CORES,
            "batch=8,threads=" + CORES, "batch=16,threads=" + CORES);
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.toList();
    }
    assertThat(files).as("one small JSON file per model and machine shape").hasSize(1);
    assertThat(Files.readString(files.get(0))).contains("\"batchSize\" : " + tuned.layout().batchSize(), "cores=" + CORES,
        "fashion-cnn-0000.params,bytes=" + Files.size(TestPaths.required("models/fashion-cnn/fashion-cnn-0000.params")));

    LayoutTuner.forget(); // what a new executor JVM on the same machine type starts with
    int before = LayoutTuner.timedCalls();
    LayoutTuner.Choice read = LayoutTuner.choose(spec, 0, spec.batchSize(), DecodeOptions.defaults(), images, saving);
    assertThat(read.source()).isEqualTo("file");
    assertThat(read.layout()).isEqualTo(tuned.layout());
    assertThat(LayoutTuner.timedCalls()).as("read, not measured").isEqualTo(before);
  }

  @Test
  void aPinnedSpecOrTuningOffKeepsTheConfiguredLayout() {
    ModelSpec spec = catalog.resolve("ppocr-orientation");
    int before = LayoutTuner.timedCalls();
    ModelSpec pinned = spec.toBuilder().optLayoutFixed(true).optThreads(1).build();
    LayoutTuner.Choice fixed = LayoutTuner.choose(pinned, 0, pinned.batchSize(), DecodeOptions.defaults(), images, TUNE);
    assertThat(fixed.source()).isEqualTo("fixed");
    assertThat(fixed.layout()).as("the spec's batch.size and threads").isEqualTo(new LayoutTuner.Layout(32, 1));
    LayoutTuner.Choice off = LayoutTuner.choose(spec, 0, 8, DecodeOptions.defaults(), images, LayoutTuner.Settings.disabled());
    assertThat(off.source()).isEqualTo("disabled");
    assertThat(off.layout()).as("the caller's batch size, threads = the task's cores").isEqualTo(new LayoutTuner.Layout(8, CORES));
    assertThat(LayoutTuner.timedCalls()).as("nothing timed").isEqualTo(before);

    assertThat(LayoutTuner.threadCandidates(spec, 0, 2, 4, Device.cpu())).as("configured first, then the divisors of 4")
        .containsExactly(2, 1, 4);
    assertThat(LayoutTuner.threadCandidates(spec, 3, 3, 4, Device.cpu())).as("an explicit thread count pins threads").containsExactly(3);
    assertThat(LayoutTuner.threadCandidates(spec, 0, 4, 4, Device.gpu(0))).as("threads do not matter on a GPU").containsExactly(4);
    assertThat(LayoutTuner.threadCandidates(catalog.resolve("fashion-cnn"), 0, 4, 4, Device.cpu())).as("PyTorch").containsExactly(4);
  }

  /** Batching changes speed, never outputs: the tuned run, and each candidate batch size, equal batch 1. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"fashion-cnn", "ppocr-orientation"})
  void everyLayoutScoresLikeBatchOne(String model) {
    ModelSpec spec = catalog.resolve(model);
    LayoutAccumulator used = new LayoutAccumulator();
    PartitionedInference inference = new PartitionedInference(spec, List.of(), spec.batchSize(), DecodeOptions.defaults(), 0, null,
        PartitionedInference.DEFAULT_MAX_BATCH_BYTES).withLayoutTuning(TUNE, used);
    List<ImageResult> tuned = new ArrayList<>();
    Iterator<ImageResult> it = inference.apply(images.iterator(), b -> b, (b, r) -> r);
    it.forEachRemaining(tuned::add);
    assertThat(used.value()).as("the partition reports its layout").singleElement().asString()
        .matches(model + ": batch=\\d+,threads=\\d+ \\(tuned\\)");

    List<ImageResult> one = run(spec, 1);
    assertSameOutputs(tuned, one, "tuned " + used.value());
    for (int b : LayoutTuner.BATCH_CANDIDATES) {
      assertSameOutputs(run(spec, b), one, "batch " + b);
    }
  }

  /**
   * A partition whose first batch has bytes but no image that decodes measures nothing there; its
   * next batch with images is tuned, and only that layout is recorded (before, the partition ran
   * every image at the spec's untuned batch size and job_runs said "default").
   */
  @Test
  void aFirstBatchOfCorruptFilesLeavesTheLayoutToTheNextBatch() {
    ModelSpec spec = catalog.resolve("fashion-cnn");
    int batch = 4;
    List<byte[]> partition = new ArrayList<>();
    for (int i = 0; i < batch; i++) {
      partition.add(("not an image " + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    partition.addAll(images.subList(0, 8));
    LayoutAccumulator used = new LayoutAccumulator();
    PartitionedInference inference = new PartitionedInference(spec, List.of(), batch, DecodeOptions.defaults(), 0, null,
        PartitionedInference.DEFAULT_MAX_BATCH_BYTES).withLayoutTuning(TUNE, used);
    List<ImageResult> results = new ArrayList<>();
    inference.apply(partition.iterator(), b -> b, (b, r) -> r).forEachRemaining(results::add);

    assertThat(results).hasSize(partition.size());
    assertThat(results.subList(0, batch)).as("the corrupt files fail to decode").noneMatch(ImageResult::isSuccess);
    assertThat(results.subList(batch, results.size())).as("the images after them score").allMatch(ImageResult::isSuccess);
    assertThat(used.value()).as("the layout measured on the first batch that decoded").singleElement().asString()
        .matches("fashion-cnn: batch=(1|2|4),threads=\\d+ \\(tuned\\)");
  }

  private static List<ImageResult> run(ModelSpec spec, int batchSize) {
    try (ImageInferenceRunner runner = new ImageInferenceRunner(spec, List.of(), DecodeOptions.defaults(), 1, batchSize)) {
      return runner.inferAll(images);
    }
  }

  private static void assertSameOutputs(List<ImageResult> actual, List<ImageResult> expected, String layout) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      ImageResult a = actual.get(i);
      ImageResult e = expected.get(i);
      assertThat(a.isSuccess()).as("%s, image %d: %s", layout, i, a).isTrue();
      assertThat(a.topLabels()).as("%s, image %d labels", layout, i).containsExactly(e.topLabels());
      assertThat(a.topScores()).as("%s, image %d scores", layout, i).containsExactly(e.topScores(), within(1e-4f));
      if (e.embedding() == null) {
        assertThat(a.embedding()).isNull();
      } else {
        assertThat(a.embedding()).as("%s, image %d embedding", layout, i).containsExactly(e.embedding(), within(1e-4f));
      }
    }
  }
}

package io.visionlake.udfs.analyze.ocr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.inference.Predictor;
import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.model.BatchOutput;
import io.visionlake.udfs.model.ExecutorModelCache;
import io.visionlake.udfs.model.ImageBatch;
import io.visionlake.udfs.model.LoadedModel;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.testing.UnitTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Greedy CTC decoding, and the class layout of the real PP-OCRv4 recogniser it relies on. */
@UnitTest
class CtcDecoderTest {
  /** One-hot-ish steps: the given class gets {@code p}, the rest share what is left. */
  private static float[] steps(int classes, float p, int... best) {
    float[] out = new float[best.length * classes];
    for (int t = 0; t < best.length; t++) {
      for (int c = 0; c < classes; c++) {
        out[t * classes + c] = c == best[t] ? p : (1 - p) / (classes - 1);
      }
    }
    return out;
  }

  @Test
  void collapsesRepeatsDropsBlanksAndKeepsDoubledLettersSplitByABlank() {
    CtcDecoder ctc = new CtcDecoder(List.of("a", "b", "l"), 5); // 0 blank, 1 a, 2 b, 3 l, 4 space
    // b a l l <blank> l  -> "ball"; then space, then a
    float[] p = steps(5, 0.9f, 2, 1, 3, 3, 0, 3, 4, 1, 0);
    CtcDecoder.Decoded d = ctc.decode(p, 0, 9);
    assertThat(d.text).isEqualTo("ball a");
    assertThat(d.score).isCloseTo(0.9f, within(1e-6f));
    assertThat(ctc.decode(steps(5, 0.8f, 0, 0, 0), 0, 3).text).as("all blank").isEmpty();
  }

  @Test
  void aDictionaryThatDoesNotFitTheModelIsRejected() {
    assertThatThrownBy(() -> new CtcDecoder(List.of("a", "b"), 10)).hasMessageContaining("10 output classes")
        .hasMessageContaining("dictionary has 2 entries");
    assertThat(new CtcDecoder(List.of("a", "b"), 3).classes()).as("blank, no space").isEqualTo(3);
  }

  @Test
  void theRealRecogniserHasBlankDictionaryAndSpaceClasses() throws Exception {
    ModelSpec spec = new ModelCatalog(TestPaths.home()).resolve("ppocr-rec");
    LoadedModel model = ExecutorModelCache.get(spec, 1);
    assertThat(model.labels()).as("ppocr_keys_v1.txt lines").hasSize(6623);
    ImageBatch batch = new ImageBatch(1, 3, 48, 320);
    batch.commit(); // one all-zero (mid-grey after normalisation) line
    try (Predictor<ImageBatch, BatchOutput> p = model.newPredictor()) {
      BatchOutput out = p.predict(batch);
      int steps = 320 / TextRecognitionInput.COLUMNS_PER_STEP;
      assertThat(out.embeddingSize()).as("[steps x classes]").isEqualTo(steps * 6625);
      assertThat(new CtcDecoder(model.labels(), out.embeddingSize() / steps).classes()).isEqualTo(6625);
      float[] probs = out.embedding(0);
      float sum = 0;
      for (int c = 0; c < 6625; c++) {
        sum += probs[c];
      }
      assertThat(sum).as("the model ends in a softmax").isCloseTo(1f, within(1e-3f));
    }
  }
}

package io.visionlake.udfs.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.udfs.TestPaths;
import io.visionlake.udfs.analyze.Analyzers;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The byte budget of a batch: large images are scored a few at a time, whatever the batch size, so
 * a task holds at most about the budget (plus one image) of file bytes and decoded pixels.
 * "Held" is measured for real: rows whose bytes the iterator has pulled and not yet handed back.
 */
@UnitTest
class BatchByteBudgetTest {
  private static final int IMAGES = 12;

  /** The most rows pulled and not yet returned, over the whole partition. */
  private static int mostHeld(PartitionedInference inference, byte[] photo) {
    int[] pulled = {0};
    int[] returned = {0};
    int most = 0;
    Iterator<byte[]> rows = new Iterator<>() {
      int left = IMAGES;

      @Override
      public boolean hasNext() {
        return left > 0;
      }

      @Override
      public byte[] next() {
        left--;
        pulled[0]++;
        return photo.clone();
      }
    };
    Iterator<ImageResult> out = inference.apply(rows, b -> b, (b, r) -> r);
    List<ImageResult> results = new ArrayList<>();
    while (out.hasNext()) {
      most = Math.max(most, pulled[0] - returned[0]);
      results.add(out.next());
      returned[0]++;
    }
    assertThat(results).hasSize(IMAGES).allSatisfy(r -> assertThat(r.isSuccess()).as(String.valueOf(r)).isTrue());
    return most;
  }

  @Test
  void largeImagesUnderAnAnalyserAreCutToTheBudget() throws Exception {
    byte[] photo = Files.readAllBytes(TestPaths.required("data/samples/photos/baboon.jpg")); // 512x512
    long onePhoto = photo.length + 3L * 512 * 512;
    PartitionedInference budgeted = new PartitionedInference(null, Analyzers.resolve(List.of("colors"), Map.of()), 16,
        DecodeOptions.defaults(), 1, null, 2 * onePhoto);
    assertThat(mostHeld(budgeted, photo)).as("rows held with a budget of two photos").isEqualTo(2);
  }

  @Test
  void smallImagesFillTheBatchUnderTheDefaultBudget() throws Exception {
    byte[] photo = Files.readAllBytes(TestPaths.required("data/samples/photos/baboon.jpg"));
    PartitionedInference defaults = new PartitionedInference(null, Analyzers.resolve(List.of("colors"), Map.of()), 8,
        DecodeOptions.defaults(), 1, null);
    assertThat(defaults.maxBatchBytes()).isEqualTo(PartitionedInference.DEFAULT_MAX_BATCH_BYTES);
    assertThat(mostHeld(defaults, photo)).as("the batch size, not the budget, cuts small images").isEqualTo(8);
  }
}

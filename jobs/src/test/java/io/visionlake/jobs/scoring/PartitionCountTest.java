package io.visionlake.jobs.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.WriteFiles;
import io.visionlake.udfs.testing.UnitTest;
import org.junit.jupiter.api.Test;

/** How a run's files are cut into inference partitions, and how many files its rows are written as. */
@UnitTest
class PartitionCountTest {
  @Test
  void inferencePartitionsAreWholeWavesOfAtMostFilesPerPartition() {
    assertThat(ScoringPlan.partitions(600, 1024, 2)).as("600 ResNet images on 2 cores: one partition per core").isEqualTo(2);
    assertThat(ScoringPlan.partitions(600, 256, 2)).as("3 by size, rounded up to whole waves of 2").isEqualTo(4);
    assertThat(ScoringPlan.partitions(200_000, 1024, 2)).isEqualTo(196);
    assertThat(ScoringPlan.partitions(200_000, 1024, 48)).as("a multiple of the cores").isEqualTo(240);
    assertThat(ScoringPlan.partitions(3, 1024, 8)).as("never more partitions than files").isEqualTo(3);
    assertThat(ScoringPlan.partitions(9, 1, 4)).as("rounding stops at the file count").isEqualTo(9);
    assertThat(ScoringPlan.partitions(0, 1024, 2)).as("an empty run still has a partition").isEqualTo(1);
  }

  @Test
  void rowsAreWrittenAsOneFilePerTargetSizeAndAtLeastOnePerCore() {
    long target = WriteFiles.TARGET_BYTES;
    assertThat(WriteFiles.count(10_000, 2, 782)).as("a small run: one file per core, not per partition").isEqualTo(2);
    assertThat(WriteFiles.count(10 * target + 1, 2, 782)).as("one per target size").isEqualTo(11);
    assertThat(WriteFiles.count(10 * target, 2, 4)).as("coalescing never splits a partition").isEqualTo(4);
    assertThat(WriteFiles.count(0, 2, 1)).isEqualTo(1);
  }
}

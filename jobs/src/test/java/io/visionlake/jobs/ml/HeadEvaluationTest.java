package io.visionlake.jobs.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.MlOptions;
import io.visionlake.jobs.scoring.HeadColumns;
import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/** The held-out metrics of train-head, and where a head name points, without Spark. */
@UnitTest
class HeadEvaluationTest {
  @Test
  void accuracyMacroF1AndConfusionFromCounts() {
    TrainHeadJob.Evaluation e = TrainHeadJob.Evaluation.of(List.of(
        RowFactory.create("a", "a", 8L), RowFactory.create("a", "b", 2L),
        RowFactory.create("b", "b", 5L),
        RowFactory.create("c", "c", 3L), RowFactory.create("c", "b", 2L)));
    assertThat(e.total).isEqualTo(20);
    assertThat(e.accuracy).isEqualTo(0.8);
    // F1 per class: a = 2*1*0.8/1.8, b = 2*(5/9)*1/(14/9), c = 2*1*0.6/1.6
    assertThat(e.macroF1).isCloseTo((16.0 / 18 + 10.0 / 14 + 0.75) / 3, within(1e-12));
    assertThat(e.confusion).isEqualTo(Map.of("a", Map.of("a", 8L, "b", 2L), "b", Map.of("b", 5L), "c", Map.of("c", 3L, "b", 2L)));
  }

  @Test
  void headNamesResolveUnderHeadsDirAndPathsStayAsGiven() {
    Path home = Path.of("/opt/visionlake");
    JobConf defaults = JobConf.resolve(Map.of(), Map.of(), Map.of());
    assertThat(HeadColumns.headUri("fashion-coarse", defaults, home)).isEqualTo("file:///opt/visionlake/models/heads/fashion-coarse");
    JobConf s3 = JobConf.resolve(Map.of(), Map.of(), Map.of(MlOptions.HEADS_DIR, "s3a://bucket/heads/"));
    assertThat(HeadColumns.headUri("fashion-coarse", s3, home)).isEqualTo("s3a://bucket/heads/fashion-coarse");
    assertThat(HeadColumns.headUri("s3a://other/h1", s3, home)).isEqualTo("s3a://other/h1");
    assertThat(HeadColumns.headUri("/tmp/h2", s3, home)).isEqualTo("file:///tmp/h2");
    assertThatThrownBy(() -> HeadColumns.headUri("bad name", defaults, home)).hasMessageContaining("bad name");
  }
}

package io.visionlake.jobs.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.jobs.conf.JobConf;
import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.udfs.inference.LayoutTuner;
import io.visionlake.udfs.testing.UnitTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code spark.visionlake.inference.autotune*} as the executors receive them. */
@UnitTest
class LayoutSettingsTest {
  @Test
  void tunedByDefaultWithoutAFile() {
    LayoutTuner.Settings s = ScoringPlan.tuning(JobConf.resolve(Map.of(), Map.of(), Map.of()));
    assertThat(s).isEqualTo(new LayoutTuner.Settings(true, null, LayoutTuner.DEFAULT_BUDGET_MILLIS));
  }

  @Test
  void aSessionSettingTurnsTuningOffForTheJob() {
    LayoutTuner.Settings s = ScoringPlan.tuning(JobConf.resolve(Map.of(), Map.of(), Map.of(JobOptions.AUTOTUNE, "FALSE")));
    assertThat(s.enabled()).isFalse();
  }

  @Test
  void aCacheDirAndBudgetReachTheExecutors() {
    LayoutTuner.Settings s = ScoringPlan.tuning(JobConf.resolve(Map.of(JobOptions.AUTOTUNE_DIR, "/var/tmp/layouts"), Map.of(),
        Map.of(JobOptions.AUTOTUNE_BUDGET_MS, "1500")));
    assertThat(s).isEqualTo(new LayoutTuner.Settings(true, "/var/tmp/layouts", 1500));
  }

  @Test
  void aWrongValueNamesTheSetting() {
    assertThatThrownBy(() -> ScoringPlan.tuning(JobConf.resolve(Map.of(), Map.of(), Map.of(JobOptions.AUTOTUNE, "off"))))
        .hasMessageContaining(JobOptions.AUTOTUNE).hasMessageContaining("true or false");
    assertThatThrownBy(() -> ScoringPlan.tuning(JobConf.resolve(Map.of(), Map.of(), Map.of(JobOptions.AUTOTUNE_BUDGET_MS, "0"))))
        .hasMessageContaining(JobOptions.AUTOTUNE_BUDGET_MS + " must be >= 1");
  }
}

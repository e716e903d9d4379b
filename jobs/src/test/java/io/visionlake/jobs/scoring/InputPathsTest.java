package io.visionlake.jobs.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.jobs.backfill.BackfillJob;
import io.visionlake.jobs.batch.BatchInferenceJob;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.udfs.testing.IntegrationTest;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * What a job does with the input paths it is given: credentials in a URI never reach a message or
 * a table; a missing input is a bad argument (exit 2 through JobMain) that names the path.
 */
@IntegrationTest
class InputPathsTest extends DeltaTestBase {
  static final String SECRET = "s3cretKEY";

  @Test
  void credentialsInAnInputUriAreRefusedAndMaskedInTheMessageAndJobRuns() {
    String input = "file://AKIAEXAMPLE:" + SECRET + "@localhost" + tmp.resolve("in");
    String lake = tmp.resolve("lake").toString();
    BatchInferenceJob.Settings settings = new BatchInferenceJob.Settings(List.of(input), lake, "default", null, null,
        "--input " + input + " --lake " + lake);

    assertThatThrownBy(() -> BatchInferenceJob.run(spark, settings)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("file://***@localhost")
        .hasMessageContaining("credentials")
        .hasMessageNotContaining(SECRET);
    List<Row> runs = spark.read().format("delta").load(new Lake(lake).path(Lake.JOB_RUNS)).collectAsList();
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0).<String>getAs("arguments")).as("job_runs.arguments")
        .contains("--input file://***@localhost").doesNotContain(SECRET);
    assertThat(runs.get(0).<String>getAs("message")).as("job_runs.message").contains("file://***@localhost").doesNotContain(SECRET);
  }

  @Test
  void aRelativeMissingInputIsNamedResolvedAgainstTheWorkingDirectory() {
    // scripts/submit runs the JVM in the caller's directory (NightlyScriptTest): user.dir is it.
    String relative = "no-such-input-" + System.nanoTime();
    BatchInferenceJob.Settings settings = BatchInferenceJob.Settings.of(List.of(relative), tmp.resolve("lake").toString(), "default");
    assertThatThrownBy(() -> BatchInferenceJob.run(spark, settings)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Input path does not exist: file:" + java.nio.file.Path.of(System.getProperty("user.dir")).resolve(relative));
  }

  @Test
  void aBackfillInputRootThatDoesNotExistIsABadArgumentNamingThePath() {
    String missing = tmp.resolve("no-such-landing").toString();
    BackfillJob.Settings settings = new BackfillJob.Settings(missing, tmp.resolve("lake").toString(),
        LocalDate.of(2024, 5, 1), LocalDate.of(2024, 5, 1));
    // Not "no input" (exit 3, retry later): a root that is not there is a wrong --input.
    assertThatThrownBy(() -> BackfillJob.run(spark, settings)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Input path does not exist: file:" + missing);
  }
}

package io.visionlake.jobs.conf;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.udfs.testing.UnitTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Precedence: code default < conf/visionlake.conf < --conf-file < session (--conf k=v), one layer at a time. */
@UnitTest
class JobConfTest {
  private static final String KEY = JobOptions.FILES_PER_PARTITION;

  @Test
  void codeDefaultOnly() {
    assertThat(JobConf.resolve(Map.of(), Map.of(), Map.of()).get(KEY)).isEqualTo(JobOptions.FILES_PER_PARTITION_DEFAULT);
  }

  @Test
  void projectFileOverridesDefault() {
    assertThat(JobConf.resolve(Map.of(KEY, "10"), Map.of(), Map.of()).getInt(KEY)).isEqualTo(10);
  }

  @Test
  void confFileOverridesProjectFile() {
    assertThat(JobConf.resolve(Map.of(KEY, "10"), Map.of(KEY, "20"), Map.of()).getInt(KEY)).isEqualTo(20);
  }

  @Test
  void sessionOverridesConfFile() {
    assertThat(JobConf.resolve(Map.of(), Map.of(KEY, "20"), Map.of(KEY, "30")).getInt(KEY)).isEqualTo(30);
  }

  @Test
  void sessionOverridesAllLayers() {
    assertThat(JobConf.resolve(Map.of(KEY, "10"), Map.of(KEY, "20"), Map.of(KEY, "30")).getInt(KEY)).isEqualTo(30);
  }

  @Test
  void otherSparkKeysAreNotVisionLakeSettings() {
    JobConf conf = JobConf.resolve(Map.of("spark.executor.memory", "2g"), Map.of(), Map.of());
    assertThat(conf.asMap()).doesNotContainKey("spark.executor.memory");
  }

  @Test
  void secretsAreMasked() {
    assertThat(JobConf.maskIfSecret("spark.hadoop.fs.s3a.secret.key", "abc")).isEqualTo("*****");
    assertThat(JobConf.maskIfSecret("spark.hadoop.fs.s3a.secret.key=abc")).isEqualTo("spark.hadoop.fs.s3a.secret.key=*****");
    assertThat(JobConf.maskIfSecret(KEY, "12")).isEqualTo("12");
  }

  @Test
  void realFilesLayerAsDocumented(@org.junit.jupiter.api.io.TempDir java.nio.file.Path home) throws java.io.IOException {
    java.nio.file.Path confDir = java.nio.file.Files.createDirectories(home.resolve("conf"));
    java.nio.file.Files.writeString(confDir.resolve("visionlake.conf"), KEY + "=10\n" + JobOptions.THREADS + "=3\n");
    java.nio.file.Path confFile = home.resolve("nightly.properties");
    java.nio.file.Files.writeString(confFile, KEY + "=20\n");
    JobConf projectOnly = JobConf.resolve(home, null, null);
    assertThat(projectOnly.getInt(KEY)).as("conf/visionlake.conf over the code default").isEqualTo(10);
    JobConf withFile = JobConf.resolve(home, confFile, null);
    assertThat(withFile.getInt(KEY)).as("--conf-file over conf/visionlake.conf").isEqualTo(20);
    assertThat(withFile.getInt(JobOptions.THREADS)).as("keys the file does not set keep the lower layer").isEqualTo(3);
    assertThat(withFile.get(JobOptions.COMMIT_ATTEMPTS)).as("code default where no layer sets it").isEqualTo(JobOptions.COMMIT_ATTEMPTS_DEFAULT);
  }

  @Test
  void aMissingConfFileIsAnActionableError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path home) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> JobConf.resolve(home, home.resolve("nope.properties"), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope.properties").hasMessageContaining("does not exist");
  }

  @Test
  void theLoggedConfigurationMasksSecrets() {
    JobConf conf = JobConf.resolve(Map.of(), Map.of("spark.visionlake.s3.secret.key", "hunter2"), Map.of(KEY, "7"));
    assertThat(conf.describe()).contains(KEY + " = 7").contains("spark.visionlake.s3.secret.key = *****").doesNotContain("hunter2");
  }
}

package io.visionlake.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Precedence: code default < conf/visionlake.conf < --conf-file < session (--conf k=v), one layer at a time. */
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
}

package io.visionlake.udfs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rules every module's test suite keeps, checked by one {@code @UnitTest class SuiteRulesTest extends
 * SuiteRules} per module (so they also run under {@code scripts/test --fast}).
 */
public abstract class SuiteRules {
  static final String TIMEOUT_DEFAULT = "junit.jupiter.execution.timeout.default";
  static final String THREAD_MODE = "junit.jupiter.execution.timeout.thread.mode.default";

  private static Optional<String> timeoutDefault = Optional.empty();
  private static Optional<String> threadMode = Optional.empty();

  /** What JUnit itself resolved from junit-platform.properties (or -D overrides), not a re-read of the file. */
  @RegisterExtension
  static final BeforeAllCallback READ_CONFIGURATION = context -> {
    timeoutDefault = context.getConfigurationParameter(TIMEOUT_DEFAULT);
    threadMode = context.getConfigurationParameter(THREAD_MODE);
  };

  @Test
  void everyTestClassIsExactlyOneKind() {
    List<Class<?>> classes = TestTags.testClassesBesides(getClass());
    assertThat(classes).as("test classes found next to %s", getClass().getName()).contains(getClass());
    assertThat(TestTags.problems(classes)).as("test classes without exactly one of @UnitTest/@IntegrationTest/@ClusterTest").isEmpty();
  }

  @Test
  void aHungTestFailsOnItsOwnAfterATimeout() {
    assertThat(timeoutDefault).as("%s in udfs/src/test/resources/junit-platform.properties", TIMEOUT_DEFAULT).isPresent();
    assertThat(threadMode).as("%s in udfs/src/test/resources/junit-platform.properties", THREAD_MODE).contains("SEPARATE_THREAD");
  }
}

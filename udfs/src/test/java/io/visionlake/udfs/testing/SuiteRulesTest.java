package io.visionlake.udfs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The suite rules on udfs' own tests, and the tag check on classes that break it. */
@UnitTest
class SuiteRulesTest extends SuiteRules {

  @Test
  void theCheckNamesEachClassThatBreaksTheRule() {
    List<String> problems = TestTags.problems(List.of(Untagged.class, TwoKinds.class, KindOnMethod.class,
        Tagged.class, Tagged.Inner.class, GpuUnit.class));
    assertThat(problems).as("one line per broken class").hasSize(3);
    assertThat(problems.get(0)).contains(Untagged.class.getName()).contains("@UnitTest, @IntegrationTest or @ClusterTest");
    assertThat(problems.get(1)).contains(TwoKinds.class.getName()).contains("[cluster, integration, unit]");
    assertThat(problems.get(2)).contains(KindOnMethod.class.getName() + ".slow").contains("[integration]");
  }

  @Test
  void onlyClassesJunitRunsAreChecked() {
    List<Class<?>> found = TestTags.testClassesBesides(SuiteRulesTest.class);
    assertThat(found).as("concrete classes with tests").contains(SuiteRulesTest.class)
        .doesNotContain(SuiteRules.class, Untagged.class, Tagged.Inner.class, TestTags.class);
  }

  // Fixtures: static member classes, which Surefire does not run on their own.

  static class Untagged {
    @Test
    void t() {
    }
  }

  @UnitTest
  @ClusterTest
  @Tag("integration")
  static class TwoKinds {
    @Test
    void t() {
    }
  }

  @UnitTest
  static class KindOnMethod {
    @Test
    @Tag("integration")
    void slow() {
    }
  }

  @ClusterTest
  static class Tagged {
    @Nested
    class Inner {
      @Test
      void t() {
      }
    }
  }

  @UnitTest
  @Tag("gpu")
  static class GpuUnit {
    @Test
    void t() {
    }
  }
}

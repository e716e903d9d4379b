package io.visionlake.tools;

import io.visionlake.udfs.testing.SuiteRules;
import io.visionlake.udfs.testing.UnitTest;

/** The suite rules (one kind per test class, a per-test timeout) on the tools module's tests. */
@UnitTest
class SuiteRulesTest extends SuiteRules {
}

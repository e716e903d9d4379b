package io.visionlake.udfs.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Tag {@code unit}: plain Java, models and image bytes, quick. No SparkSession, no child JVMs, no
 * servers. {@code scripts/test --fast} runs only these.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(TestTags.UNIT)
public @interface UnitTest {
}

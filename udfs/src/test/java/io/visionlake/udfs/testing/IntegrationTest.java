package io.visionlake.udfs.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Tag {@code integration}: real Spark, Delta, Kafka or S3 on loopback (anything touching a
 * SparkSession), child JVMs, or minutes of work such as a training run.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(TestTags.INTEGRATION)
public @interface IntegrationTest {
}

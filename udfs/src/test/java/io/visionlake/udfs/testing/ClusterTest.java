package io.visionlake.udfs.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/** Tag {@code cluster}: starts a Spark standalone cluster and submits the app jar to it. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(TestTags.CLUSTER)
public @interface ClusterTest {
}

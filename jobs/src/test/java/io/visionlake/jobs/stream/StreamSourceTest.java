package io.visionlake.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.udfs.testing.UnitTest;
import org.junit.jupiter.api.Test;

@UnitTest
class StreamSourceTest {
  @Test
  void landingFolders() {
    assertThat(StreamSource.parse("dir:/data/landing")).isEqualTo(new StreamSource.Landing("/data/landing"));
    assertThat(StreamSource.parse("dir:s3a://bucket/landing/")).isEqualTo(new StreamSource.Landing("s3a://bucket/landing/"));
    assertThat(StreamSource.parse("dir:relative/path").toString()).as("written back as given").isEqualTo("dir:relative/path");
  }

  @Test
  void kafkaTopics() {
    StreamSource.Kafka k = (StreamSource.Kafka) StreamSource.parse("kafka:127.0.0.1:9092,127.0.0.1:9093/camera-frames");
    assertThat(k.bootstrap()).isEqualTo("127.0.0.1:9092,127.0.0.1:9093");
    assertThat(k.topic()).isEqualTo("camera-frames");
    assertThat(k.toString()).isEqualTo("kafka:127.0.0.1:9092,127.0.0.1:9093/camera-frames");
  }

  @Test
  void anythingElseNamesTheOptionAndTheAcceptedForms() {
    assertThatThrownBy(() -> StreamSource.parse("/data/landing")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--source must be dir:<path>").hasMessageContaining("kafka:<bootstrap>/<topic>")
        .hasMessageContaining("got '/data/landing'");
    assertThatThrownBy(() -> StreamSource.parse("ftp://x", "--to")).hasMessageStartingWith("--to must be dir:<path>");
    assertThatThrownBy(() -> StreamSource.parse("dir:")).hasMessageContaining("landing folder is missing");
    assertThatThrownBy(() -> StreamSource.parse("kafka:127.0.0.1:9092")).hasMessageContaining("bootstrap servers and the topic");
    assertThatThrownBy(() -> StreamSource.parse("kafka:/frames")).hasMessageContaining("bootstrap servers and the topic");
    assertThatThrownBy(() -> StreamSource.parse("kafka:127.0.0.1:9092/")).hasMessageContaining("bootstrap servers and the topic");
    assertThatThrownBy(() -> StreamSource.parse(null)).hasMessageContaining("--source must be");
  }
}

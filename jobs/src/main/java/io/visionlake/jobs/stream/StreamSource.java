package io.visionlake.jobs.stream;

/**
 * Where camera frames come from (the stream's {@code --source}) or go to ({@code scripts/replay-camera
 * --to}), as a user writes it: {@code dir:<path>}, a landing folder (local or a Hadoop URI such as
 * {@code s3a://bucket/landing}), or {@code kafka:<bootstrap>/<topic>}, a Kafka topic. {@link
 * #parse} is the one parser of that string; {@link #toString()} writes it back.
 */
public sealed interface StreamSource permits StreamSource.Landing, StreamSource.Kafka {
  String DIR_PREFIX = "dir:";
  String KAFKA_PREFIX = "kafka:";
  String FORMS = "dir:<path> (a landing folder, local or s3a://...) or kafka:<bootstrap>/<topic> (e.g. kafka:127.0.0.1:9092/frames)";

  /** Parses a {@code --source} value. */
  static StreamSource parse(String value) {
    return parse(value, "--source");
  }

  /** Parses {@code value} given with {@code option}; an error names the option and the accepted forms. */
  static StreamSource parse(String value, String option) {
    String v = value == null ? "" : value.trim();
    if (v.startsWith(DIR_PREFIX)) {
      String path = v.substring(DIR_PREFIX.length());
      if (path.isEmpty()) {
        throw new IllegalArgumentException(option + " " + value + ": the landing folder is missing after dir:; expected " + FORMS);
      }
      return new Landing(path);
    }
    if (v.startsWith(KAFKA_PREFIX)) {
      String rest = v.substring(KAFKA_PREFIX.length());
      int slash = rest.indexOf('/');
      if (slash <= 0 || slash == rest.length() - 1) {
        throw new IllegalArgumentException(option + " " + value + ": both the bootstrap servers and the topic are needed; expected " + FORMS);
      }
      return new Kafka(rest.substring(0, slash), rest.substring(slash + 1));
    }
    throw new IllegalArgumentException(option + " must be " + FORMS + ", got '" + value + "'");
  }

  /** A landing folder: each new file is a frame. */
  record Landing(String path) implements StreamSource {
    @Override
    public String toString() {
      return DIR_PREFIX + path;
    }
  }

  /** A Kafka topic: each record is a frame, keyed by camera id. */
  record Kafka(String bootstrap, String topic) implements StreamSource {
    @Override
    public String toString() {
      return KAFKA_PREFIX + bootstrap + "/" + topic;
    }
  }
}

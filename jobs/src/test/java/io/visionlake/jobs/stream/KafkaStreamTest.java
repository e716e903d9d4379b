package io.visionlake.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.CameraFrames;
import io.visionlake.jobs.testing.ChildJvm;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.jobs.testing.EmbeddedKafka;
import io.visionlake.jobs.testing.FlowTables;
import io.visionlake.jobs.testing.KillPoints;
import io.visionlake.udfs.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka source end to end on a real KRaft broker on loopback. */
@IntegrationTest
class KafkaStreamTest extends DeltaTestBase {
  static final Instant T0 = Instant.parse("2024-05-01T08:00:00Z");

  @TempDir
  static Path tmp;
  static EmbeddedKafka kafka;

  @BeforeAll
  static void broker() throws Exception {
    kafka = new EmbeddedKafka(Files.createDirectories(tmp.resolve("kafka")));
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void kafkaTopicEndToEnd() throws Exception {
    String topic = "cameras";
    createTopic(topic);
    try (KafkaProducer<String, byte[]> producer = producer()) {
      for (int i = 0; i < 6; i++) {
        for (String camera : List.of("lobby", "yard")) {
          long ts = T0.plusMillis(100L * i).toEpochMilli();
          byte[] frame = Files.readAllBytes(CameraFrames.frame((camera.equals("lobby") ? 50 : 600) + i));
          producer.send(new ProducerRecord<>(topic, null, ts, camera, frame)).get();
        }
      }
      producer.send(new ProducerRecord<>(topic, null, T0.toEpochMilli(), "yard", "not an image".getBytes())).get();
    }
    Path lake = tmp.resolve("lake");
    StreamingInferenceJob.Handle h = StreamingInferenceJob.run(spark,
        StreamingInferenceJob.Settings.of("kafka:" + kafka.bootstrap() + "/" + topic, lake.toString(), tmp.resolve("cp").toString())
            .trigger("available-now").maxPerTrigger(5).analyzers("people"));
    h.awaitTermination();

    List<Row> frames = FlowTables.table(lake, Lake.FRAMES).collectAsList();
    assertThat(frames).hasSize(12);
    Map<String, Long> perCamera = frames.stream().collect(Collectors.groupingBy(r -> r.<String>getAs("camera_id"), Collectors.counting()));
    assertThat(perCamera).containsEntry("lobby", 6L).containsEntry("yard", 6L);
    frames.forEach(r -> {
      assertThat((String) r.getAs("time_source")).isEqualTo("kafka_timestamp");
      assertThat((String) r.getAs("kafka_topic")).isEqualTo(topic);
      assertThat((Long) r.getAs("kafka_offset")).isNotNull();
      assertThat(r.getTimestamp(r.fieldIndex("captured_at")).toInstant()).isBetween(T0, T0.plusSeconds(1));
    });
    List<Row> errors = FlowTables.table(lake, Lake.FRAME_ERRORS).collectAsList();
    assertThat(errors).hasSize(1);
    assertThat((String) errors.get(0).getAs("error_class")).isEqualTo("UnsupportedFormat");
    assertThat((Integer) errors.get(0).getAs("kafka_partition")).isNotNull();
    assertThat((Long) errors.get(0).getAs("kafka_offset")).isNotNull();
    assertThat(h.batchRows()).as("maxOffsetsPerTrigger bounds each batch").allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(5));
    assertThat(h.progressLines()).allSatisfy(l -> assertThat(l).contains("offset(s)"));
    assertThat(FlowTables.streamed(lake)).isEqualTo(FlowTables.recomputed(lake, "60 seconds"));
  }

  /**
   * Exactly once through a driver crash, from Kafka: the stream runs in a child JVM (the job's own
   * main), is killed with SIGKILL once it has committed micro-batches, and a restart from the same
   * checkpoint resumes at the checkpoint's offsets: every record lands once (one frames row per
   * partition and offset) and flow_counts equal a batch recomputation over the frames.
   */
  @Test
  void killMinus9TheDriverThenRestartFromTheCheckpoint() throws Exception {
    String topic = "killed";
    createTopic(topic);
    try (KafkaProducer<String, byte[]> producer = producer()) {
      for (int i = 0; i < 12; i++) {
        for (String camera : List.of("hall", "door")) {
          long ts = T0.plusMillis(500L * i).toEpochMilli();
          byte[] frame = Files.readAllBytes(CameraFrames.frame((camera.equals("hall") ? 0 : 500) + i));
          producer.send(new ProducerRecord<>(topic, null, ts, camera, frame)).get();
        }
      }
    }
    Path lake = tmp.resolve("killed-lake");
    Path checkpoint = tmp.resolve("killed-cp");
    String source = "kafka:" + kafka.bootstrap() + "/" + topic;
    String[] jobArgs = {"--source", source, "--lake", lake.toString(), "--checkpoint", checkpoint.toString(),
        "--trigger", "1s", "--max-per-trigger", "4", "--analyzers", "people", "--window", "10s"};

    // Table creation is version 0; wait for two micro-batch commits, then kill without warning.
    ChildJvm.killWhenReady(StreamingInferenceJob.class, jobArgs, tmp.resolve("killed-driver.log"),
        () -> KillPoints.commits(lake.resolve(Lake.FRAMES)) >= 3, Duration.ofSeconds(180), 100);
    long afterKill = FlowTables.table(lake, Lake.FRAMES).count();
    assertThat(afterKill).as("killed mid-topic; the driver's log:\n%s", Files.readString(tmp.resolve("killed-driver.log")))
        .isBetween(1L, 23L);

    StreamingInferenceJob.run(spark, StreamingInferenceJob.Settings.of(source, lake.toString(), checkpoint.toString())
        .trigger("available-now").maxPerTrigger(4).analyzers("people").window("10s")).awaitTermination();

    Dataset<Row> frames = FlowTables.table(lake, Lake.FRAMES);
    assertThat(frames.count()).as("every record once").isEqualTo(24);
    assertThat(frames.select("kafka_partition", "kafka_offset").distinct().count()).as("no record twice").isEqualTo(24);
    assertThat(FlowTables.streamed(lake)).as("flow_counts = batch recomputation")
        .isEqualTo(FlowTables.recomputed(lake, "10 seconds"));
  }

  private static void createTopic(String topic) throws Exception {
    Properties admin = new Properties();
    admin.put("bootstrap.servers", kafka.bootstrap());
    try (Admin a = Admin.create(admin)) {
      a.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    }
  }

  private static KafkaProducer<String, byte[]> producer() {
    Properties props = new Properties();
    props.put("bootstrap.servers", kafka.bootstrap());
    props.put("max.request.size", "10485760");
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }
}

package io.visionlake.jobs.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.UUID;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka (KRaft: broker and controller in one) on 127.0.0.1 at free ports,
 * started and stopped by the test. The log directory is formatted with Kafka's own StorageTool;
 * Kafka's Exit procedures are overridden so formatting cannot end the test JVM.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final KafkaRaftServer server;
  private final String bootstrap;

  public EmbeddedKafka(Path dir) throws IOException {
    int port = freePort();
    int controller = freePort();
    Path logs = Files.createDirectories(dir.resolve("kraft-logs"));
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controller);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", logs.toString());
    p.put("num.partitions", "2");
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("message.max.bytes", "10485760");
    // Tests produce frames with capture times of 2024 as record timestamps; with the default 7-day
    // retention the broker's first retention check (30 s after start) deletes them mid-test, and a
    // restarted stream then finds its checkpoint's offsets out of range ("data may have been lost").
    p.put("log.retention.ms", "-1");
    Path config = dir.resolve("server.properties");
    try (var out = Files.newOutputStream(config)) {
      p.store(out, "embedded test broker");
    }
    Exit.setExitProcedure((code, message) -> {
      throw new ExitCalled(code, message);
    });
    Exit.setHaltProcedure((code, message) -> {
      throw new IllegalStateException("Kafka asked to halt with " + code + ": " + message);
    });
    try {
      StorageTool.main(new String[] {"format", "-t", UUID.randomUUID().toString().replace("-", "").substring(0, 22), "-c", config.toString(), "--ignore-formatted"});
    } catch (ExitCalled e) {
      if (e.code != 0) {
        throw new IllegalStateException("Kafka StorageTool format failed with exit code " + e.code + ": " + e.getMessage());
      }
    }
    server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
    server.startup();
    bootstrap = "127.0.0.1:" + port;
  }

  /** Thrown instead of ending the JVM when Kafka code calls Exit.exit. */
  private static final class ExitCalled extends RuntimeException {
    final int code;

    ExitCalled(int code, String message) {
      super(message);
      this.code = code;
    }
  }

  public String bootstrap() {
    return bootstrap;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    Exit.resetExitProcedure();
    Exit.resetHaltProcedure();
  }
}

package io.visionlake.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-compatible server on 127.0.0.1: s3proxy (filesystem backend) in a JVM of its own, at a
 * free port, with AWS v2/v4 request signing against one key pair. Stopped by PID.
 */
public final class S3ProxyServer implements AutoCloseable {
  static final Path JAR = StandaloneCluster.HOME.resolve("jobs/target/test-servers/s3proxy.jar");

  private final Process process;
  private final Path data;
  private final Path log;
  private final int port;

  private S3ProxyServer(Process process, Path data, Path log, int port) {
    this.process = process;
    this.data = data;
    this.log = log;
    this.port = port;
  }

  public static S3ProxyServer start(Path dir, String accessKey, String secretKey) throws Exception {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: mvn process-test-resources -pl jobs copies it from org.gaul:s3proxy");
    }
    Path data = Files.createDirectories(dir.resolve("data"));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    // The server's own configuration holds the key pair, as any S3 service's does; it is not a log.
    Path props = dir.resolve("s3proxy.conf");
    Files.write(props, List.of(
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + accessKey,
        "s3proxy.credential=" + secretKey,
        "jclouds.provider=filesystem",
        "jclouds.filesystem.basedir=" + data));
    Path log = dir.resolve("s3proxy.log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-jar", JAR.toString(), "--properties", props.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    S3ProxyServer server = new S3ProxyServer(p, data, log, port);
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("s3proxy exited at start:\n" + Files.readString(log));
      }
      try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return server;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    server.close();
    throw new IllegalStateException("s3proxy did not listen on port " + port + " within 120 s:\n" + Files.readString(log));
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** With the filesystem backend a bucket is a folder; objects go in through S3A, never as plain files. */
  public void createBucket(String name) {
    try {
      Files.createDirectories(data.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where the objects are stored (to search them for secrets). */
  public Path data() {
    return data;
  }

  public Path log() {
    return log;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}

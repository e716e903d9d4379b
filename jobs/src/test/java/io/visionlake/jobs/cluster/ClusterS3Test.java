package io.visionlake.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.visionlake.jobs.conf.JobOptions;
import io.visionlake.jobs.lake.Lake;
import io.visionlake.jobs.testing.DeltaTestBase;
import io.visionlake.jobs.testing.LakeAssertions;
import io.visionlake.jobs.testing.S3ProxyServer;
import io.visionlake.jobs.testing.StandaloneCluster;
import io.visionlake.jobs.testing.Submission;
import io.visionlake.udfs.model.ModelFiles;
import io.visionlake.udfs.testing.ClusterTest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The batch job on a standalone cluster against object storage: a real S3 server (s3proxy) on
 * loopback, images read from {@code s3a://}, the Delta tables written to {@code s3a://}, the model
 * loaded from an {@code s3a://} URI into each executor's local cache and verified by its pinned
 * sha256. Credentials reach the driver and the executors only through the environment (the AWS
 * provider chain S3A uses by default), and no log or table of the run contains the secret key.
 */
@ClusterTest
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class ClusterS3Test extends DeltaTestBase {
  static final int GOOD = 40;
  static final int BAD = 3;

  static Path work;
  static S3ProxyServer s3;
  static StandaloneCluster cluster;
  static String accessKey;
  static String secretKey;
  static String modelSha;

  @BeforeAll
  static void startServers() throws Exception {
    work = Files.createDirectories(StandaloneCluster.HOME.resolve("jobs/target/cluster-s3-test"));
    ClusterBatchTest.deleteRecursively(work);
    Files.createDirectories(work);
    SecureRandom random = new SecureRandom();
    accessKey = "VLTEST" + HexFormat.of().formatHex(random.generateSeed(6)).toUpperCase();
    secretKey = "vlsecret" + HexFormat.of().formatHex(random.generateSeed(16));
    s3 = S3ProxyServer.start(work.resolve("s3"), accessKey, secretKey);
    for (String bucket : List.of("images", "lake", "models")) {
      s3.createBucket(bucket);
    }
    // This JVM (seeding and reading back) takes the keys from its Hadoop configuration, the
    // provider chain's first link; the job takes them from the environment.
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    s3aSettings().forEach(conf::set);
    conf.set("fs.s3a.access.key", accessKey);
    conf.set("fs.s3a.secret.key", secretKey);
    seed(conf);
    cluster = StandaloneCluster.start(work.resolve("cluster"), 1, 1, "1g", awsEnvironment());
  }

  @AfterAll
  static void stopServers() {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      if (s3 != null) {
        s3.close();
      }
    }
  }

  static Map<String, String> s3aSettings() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("fs.s3a.endpoint", s3.endpoint());
    m.put("fs.s3a.endpoint.region", "us-east-1");
    m.put("fs.s3a.path.style.access", "true");
    m.put("fs.s3a.connection.ssl.enabled", "false");
    return m;
  }

  static Map<String, String> awsEnvironment() {
    return Map.of("AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secretKey);
  }

  /** Uploads through S3A itself, so every object has the ETag S3A's change detection expects. */
  static void seed(Configuration conf) throws Exception {
    FileSystem images = FileSystem.get(URI.create("s3a://images/"), conf);
    try (Stream<Path> s = Files.list(StandaloneCluster.HOME.resolve("data/samples/fashion"))) {
      for (Path png : s.sorted().limit(GOOD).collect(Collectors.toList())) {
        images.copyFromLocalFile(new org.apache.hadoop.fs.Path(png.toUri()),
            new org.apache.hadoop.fs.Path("s3a://images/shop/fashion/" + png.getFileName()));
      }
    }
    try (Stream<Path> s = Files.list(StandaloneCluster.HOME.resolve("data/samples/damaged"))) {
      for (Path f : s.collect(Collectors.toList())) {
        images.copyFromLocalFile(new org.apache.hadoop.fs.Path(f.toUri()),
            new org.apache.hadoop.fs.Path("s3a://images/shop/damaged/" + f.getFileName()));
      }
    }
    Path params = StandaloneCluster.HOME.resolve("models/fashion-cnn/fashion-cnn-0000.params");
    Path labels = StandaloneCluster.HOME.resolve("models/fashion-cnn/labels.txt");
    modelSha = ModelFiles.sha256(params);
    FileSystem models = FileSystem.get(URI.create("s3a://models/"), conf);
    models.copyFromLocalFile(new org.apache.hadoop.fs.Path(params.toUri()),
        new org.apache.hadoop.fs.Path("s3a://models/fashion-cnn/1.0.0/fashion-cnn-0000.params"));
    models.copyFromLocalFile(new org.apache.hadoop.fs.Path(labels.toUri()),
        new org.apache.hadoop.fs.Path("s3a://models/fashion-cnn/1.0.0/labels.txt"));
  }

  /** The project's fashion-cnn spec with its files on S3 and the weights' sha256 pinned. */
  static Path s3ModelSpec() throws Exception {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(StandaloneCluster.HOME.resolve("conf/models/fashion-cnn.properties"))) {
      p.load(in);
    }
    p.setProperty("uri", "s3a://models/fashion-cnn/1.0.0/fashion-cnn-0000.params");
    p.setProperty("labels", "s3a://models/fashion-cnn/1.0.0/labels.txt");
    p.setProperty("sha256", modelSha);
    Path spec = work.resolve("fashion-cnn-s3.properties");
    try (var out = Files.newBufferedWriter(spec)) {
      p.store(out, "fashion-cnn served from S3");
    }
    return spec;
  }

  @Test
  void imagesFromS3IntoDeltaOnS3WithTheModelFromS3AndNoSecretAnywhere() throws Exception {
    Path modelCache = work.resolve("executor-model-cache");
    List<String> args = new ArrayList<>(List.of("--master", cluster.masterUrl(), "--executor-memory", "1g"));
    s3aSettings().forEach((k, v) -> args.addAll(List.of("--conf", "spark.hadoop." + k + "=" + v)));
    args.addAll(List.of("--conf", "spark.executor.extraJavaOptions=-Dai.djl.offline=true -D" + ModelFiles.CACHE_DIR_PROPERTY + "=" + modelCache,
        "--conf", JobOptions.FILES_PER_PARTITION + "=16",
        "batch", "--input", "s3a://images/shop/", "--lake", "s3a://lake/visionlake", "--model", s3ModelSpec().toString()));
    Path driverLog = work.resolve("driver.log");
    try (Submission job = Submission.start(driverLog, awsEnvironment(), args.toArray(new String[0]))) {
      assertThat(job.await(1500)).as("exit code; driver log:\n%s", job.log()).isZero();
      assertThat(job.log()).contains("inputs seen " + (GOOD + BAD) + " = images " + GOOD + " + errors " + BAD);
    }

    String lake = "s3a://lake/visionlake";
    List<Row> images = LakeAssertions.table(spark, lake, Lake.IMAGES).select("path", "top_label", "model_sha256").collectAsList();
    assertThat(images).hasSize(GOOD);
    assertThat(images).allSatisfy(r -> {
      assertThat(r.getString(0)).startsWith("s3a://images/shop/fashion/");
      assertThat(r.getString(1)).as("classified").isNotBlank();
      assertThat(r.getString(2)).as("the model that ran is the pinned one").isEqualTo(modelSha);
    });
    assertThat(LakeAssertions.table(spark, lake, Lake.IMAGE_ERRORS).count()).isEqualTo(BAD);
    assertThat(LakeAssertions.table(spark, lake, Lake.JOB_RUNS).select("status").collectAsList())
        .extracting(r -> r.getString(0)).containsExactly("SUCCEEDED");

    // The executor copied the weights into its local cache and verified them against the spec.
    List<Path> cached;
    try (Stream<Path> s = Files.walk(modelCache)) {
      cached = s.filter(p -> p.getFileName().toString().equals("fashion-cnn-0000.params")).collect(Collectors.toList());
    }
    assertThat(cached).as("weights in the executor-local cache").hasSize(1);
    assertThat(ModelFiles.sha256(cached.get(0))).isEqualTo(modelSha);
    String executorLogs = cluster.logs().stream().map(ClusterS3Test::read).collect(Collectors.joining("\n"));
    assertThat(executorLogs).contains("Loaded model fashion-cnn v1.0.0 (PyTorch, sha256 " + modelSha.substring(0, 12) + ")");

    // No log and no table of the run holds the secret: driver, Master, Worker and executor logs,
    // the S3 server's log, every row of every table, and every object the run wrote.
    List<Path> searched = new ArrayList<>(cluster.logs());
    searched.add(driverLog);
    searched.add(s3.log());
    try (Stream<Path> s = Files.walk(s3.data().resolve("lake"))) {
      s.filter(Files::isRegularFile).forEach(searched::add);
    }
    assertThat(searched.size()).as("files searched").isGreaterThan(10);
    for (Path f : searched) {
      assertThat(read(f)).as("secret key in %s", f).doesNotContain(secretKey);
    }
    for (String table : Lake.TABLES) {
      if (new Lake(lake).exists(spark, table)) {
        String rows = String.join("\n", LakeAssertions.table(spark, lake, table).toJSON().collectAsList());
        assertThat(rows).as("secret key in table %s", table).doesNotContain(secretKey);
      }
    }
  }

  static String read(Path f) {
    try {
      return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

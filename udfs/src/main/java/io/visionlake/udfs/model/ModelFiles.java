package io.visionlake.udfs.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Makes a model (or labels) URI a local file and verifies it. Local paths and {@code file:} URIs are
 * used in place; {@code s3a:}, {@code hdfs:} and any other Hadoop filesystem are copied once into a
 * local cache directory ({@code visionlake.model.cacheDir}, default {@code
 * ${java.io.tmpdir}/visionlake-models}) through Hadoop's FileSystem, so credentials come from the
 * usual Hadoop/AWS provider chain and never from the URI.
 */
public final class ModelFiles {
  public static final String CACHE_DIR_PROPERTY = "visionlake.model.cacheDir";

  private static final Map<Path, String> SHA_BY_FILE = new ConcurrentHashMap<>();

  private ModelFiles() {}

  /** Returns a local path for {@code uri}, copying remote files into the cache on first use. */
  public static Path localize(String uri, Configuration hadoopConf) {
    URI parsed = toUri(uri);
    String scheme = parsed.getScheme();
    if (scheme == null) {
      return Paths.get(uri).toAbsolutePath();
    }
    if ("file".equals(scheme)) {
      return Paths.get(parsed);
    }
    Path dir = cacheDir().resolve(sha256Hex(uri.getBytes(StandardCharsets.UTF_8)).substring(0, 16));
    String fileName = Paths.get(parsed.getPath()).getFileName().toString();
    Path local = dir.resolve(fileName);
    if (Files.isRegularFile(local)) {
      return local;
    }
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, fileName, ".part");
      org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(parsed);
      FileSystem fs = remote.getFileSystem(hadoopConf);
      try (InputStream in = fs.open(remote)) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      // Concurrent tasks may race to fill the cache: the rename makes the file appear whole.
      try {
        Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, local, StandardCopyOption.REPLACE_EXISTING);
      }
      return local;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot copy model file " + Credentials.mask(uri) + " to " + local
              + ": check the URI, that the filesystem is reachable and its credentials ("
              + e.getMessage() + ")", e);
    }
  }

  /** Checks {@code file} against the pinned digest, when there is one, and returns its sha256. */
  public static String verify(Path file, String expectedSha256, String what) {
    String actual = sha256(file);
    if (expectedSha256 != null && !expectedSha256.equals(actual)) {
      throw new IllegalStateException(
          what + " " + file + " has sha256 " + actual + " but the spec pins " + expectedSha256
              + ": the file changed or the spec's sha256 is stale; fix one of them");
    }
    return actual;
  }

  /** sha256 of a file, memoised per path and size+mtime so a model is hashed once per JVM. */
  public static String sha256(Path file) {
    try {
      String key = Files.size(file) + ":" + Files.getLastModifiedTime(file).toMillis();
      Path abs = file.toAbsolutePath();
      String cached = SHA_BY_FILE.get(abs);
      if (cached != null && cached.startsWith(key + "=")) {
        return cached.substring(key.length() + 1);
      }
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (InputStream in = Files.newInputStream(file)) {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
          md.update(buf, 0, n);
        }
      }
      String hex = HexFormat.of().formatHex(md.digest());
      SHA_BY_FILE.put(abs, key + "=" + hex);
      return hex;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file + " to compute its sha256", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads a labels file: one label per line, blank lines ignored at the end only. */
  public static List<String> readLabels(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
        lines.remove(lines.size() - 1);
      }
      return List.copyOf(lines);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read labels file " + file, e);
    }
  }

  private static Path cacheDir() {
    String dir = System.getProperty(CACHE_DIR_PROPERTY);
    return dir != null ? Paths.get(dir) : Paths.get(System.getProperty("java.io.tmpdir"), "visionlake-models");
  }

  private static URI toUri(String uri) {
    try {
      URI u = new URI(uri);
      // A Windows-style or odd local path parses with a one-letter scheme; treat as a path.
      return u.getScheme() != null && u.getScheme().length() == 1 ? new URI(null, null, uri, null) : u;
    } catch (Exception e) {
      return Paths.get(uri).toUri();
    }
  }
}

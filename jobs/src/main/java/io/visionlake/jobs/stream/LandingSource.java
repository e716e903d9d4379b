package io.visionlake.jobs.stream;

import io.visionlake.jobs.scoring.InputFiles;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.connector.read.streaming.ReadAllAvailable;
import org.apache.spark.sql.connector.read.streaming.ReadLimit;
import org.apache.spark.sql.connector.read.streaming.ReadMaxFiles;
import org.apache.spark.sql.connector.read.streaming.SupportsTriggerAvailableNow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The landing folder as a micro-batch source: each new file is one row ({@code path} in the table
 * form of {@link InputFiles}, {@code modificationTime}); its bytes are read by the scorer, stat
 * first, so a FIFO, a device or a file gone before its read is an error row, not a failed batch.
 *
 * <p>Why not Spark's {@code binaryFile} stream: its listing drops every name starting with '_' (a
 * camera's {@code _DSC0001.JPG}, a {@code _raw/} folder) with no option to keep them, and its scan
 * fails the micro-batch, and so every replay of it, when a listed file is gone. This source lists
 * with {@link InputFiles#walk} (the listing batch uses: dot-files skipped, '_' names kept) and keeps
 * the file source's log and offsets in the checkpoint ({@code sources/0/<batch>}, JSON lines {@code
 * path, timestamp, batchId}; offsets {@code {"logOffset":n}}), so checkpoints written by the
 * {@code binaryFile} stream restart on it, and {@link SourceLog} reads both.
 */
public final class LandingSource implements TableProvider {
  /** Files per micro-batch (as the file source names it). */
  public static final String MAX_FILES = "maxFilesPerTrigger";
  /** What becomes of a file once its batch is committed: {@code off} (stays), {@code archive}, {@code delete} (as the file source names it). */
  public static final String CLEAN_SOURCE = "cleanSource";
  /** Where {@code archive} moves files, keeping their path under the landing folder (as the file source names it). */
  public static final String ARCHIVE_DIR = "sourceArchiveDir";

  /** What happens to a landed file after its batch is committed. */
  public enum Clean {
    OFF, ARCHIVE, DELETE;

    /** {@code off}, {@code archive} or {@code delete}, any case; anything else is an error naming {@code what}. */
    public static Clean parse(String value, String what) {
      try {
        return valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what + ": expected off, archive or delete, got '" + value + "'", e);
      }
    }
  }

  /**
   * Each landing folder's backlog as its last listing saw it: files not taken yet (beyond the batch
   * just planned) and dot-files skipped. The listing runs on the driver for every trigger anyway; the
   * progress line reads this instead of listing the folder a second time.
   */
  private static final Map<String, StreamProgress.Landing> BACKLOG = new java.util.concurrent.ConcurrentHashMap<>();

  /** The backlog of the landing folder {@code root} (as passed to {@code load}) at its last listing, or null before one. */
  static StreamProgress.Landing backlog(String root) {
    return BACKLOG.get(root);
  }

  public static final StructType SCHEMA = new StructType()
      .add("path", DataTypes.StringType, false)
      .add("modificationTime", DataTypes.TimestampType, false);

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return SCHEMA;
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    String path = properties.get("path");
    if (path == null) {
      throw new IllegalArgumentException("The landing source needs a folder: load(<path>)");
    }
    int maxFiles = Integer.parseInt(properties.getOrDefault(MAX_FILES, "1000"));
    Clean clean = Clean.parse(properties.getOrDefault(CLEAN_SOURCE, "off"), CLEAN_SOURCE);
    String archive = properties.get(ARCHIVE_DIR);
    if (clean == Clean.ARCHIVE && (archive == null || archive.isBlank())) {
      throw new IllegalArgumentException("cleanSource=archive needs an archive folder (--archive-dir): where landed files go once processed");
    }
    return new LandingTable(path, maxFiles, clean, archive);
  }

  private record LandingTable(String path, int maxFiles, Clean clean, String archive) implements Table, SupportsRead {
    @Override
    public String name() {
      return "landing " + path;
    }

    @Override
    @SuppressWarnings("deprecation")
    public StructType schema() {
      return SCHEMA;
    }

    @Override
    public Set<TableCapability> capabilities() {
      return EnumSet.of(TableCapability.MICRO_BATCH_READ);
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
      return () -> new Scan() {
        @Override
        public StructType readSchema() {
          return SCHEMA;
        }

        @Override
        public MicroBatchStream toMicroBatchStream(String checkpointLocation) {
          return new LandingStream(SparkSession.active().sessionState().newHadoopConf(), path, checkpointLocation, maxFiles, clean, archive);
        }
      };
    }
  }

  /** Offsets are batch numbers of the log, in the file source's JSON form. */
  static final class LogOffset extends Offset {
    private static final Pattern JSON = Pattern.compile("\\{\\s*\"logOffset\"\\s*:\\s*(-?\\d+)\\s*}");
    final long n;

    LogOffset(long n) {
      this.n = n;
    }

    static LogOffset parse(String json) {
      Matcher m = JSON.matcher(json.trim());
      if (!m.matches()) {
        throw new IllegalArgumentException("Not a landing-folder offset: " + json);
      }
      return new LogOffset(Long.parseLong(m.group(1)));
    }

    @Override
    public String json() {
      return "{\"logOffset\":" + n + "}";
    }
  }

  /** Driver side: lists, admits up to maxFiles new files per batch, logs them before Spark plans the batch. */
  static final class LandingStream implements MicroBatchStream, SupportsTriggerAvailableNow {
    private final Configuration hadoop;
    private final Path root;
    private final Path logDir;
    private final int maxFiles;
    /** Batch -> its files (table form, with modification time), as logged. */
    private TreeMap<Long, Map<String, Long>> log;
    private final Set<String> seen = new HashSet<>();
    /** Trigger.AvailableNow: only files present when the query started. */
    private Set<String> availableNow;

    private final String rootName;
    /** Dot-files the last listing skipped. */
    private long hidden;
    private final Clean clean;
    private final Path archive;
    /** The last batch whose files were archived or deleted (kept in the checkpoint: a restart does not redo them). */
    private long cleanedThrough = Long.MIN_VALUE;

    LandingStream(Configuration hadoop, String root, String logDir, int maxFiles, Clean clean, String archive) {
      this.hadoop = hadoop;
      this.rootName = root;
      this.root = new Path(root);
      this.logDir = new Path(logDir);
      this.maxFiles = maxFiles;
      this.clean = clean;
      this.archive = archive == null ? null : new Path(archive);
    }

    private void load() {
      if (log == null) {
        log = SourceLog.all(hadoop, logDir);
        log.values().forEach(files -> seen.addAll(files.keySet()));
      }
    }

    @Override
    public Offset initialOffset() {
      return new LogOffset(-1);
    }

    @Override
    public Offset deserializeOffset(String json) {
      return LogOffset.parse(json);
    }

    @Override
    public ReadLimit getDefaultReadLimit() {
      return ReadLimit.maxFiles(maxFiles);
    }

    @Override
    public Offset latestOffset() {
      throw new UnsupportedOperationException("latestOffset(Offset, ReadLimit) is the one Spark calls on this source");
    }

    @Override
    public void prepareForTriggerAvailableNow() {
      load();
      // Every file present now, seen or not: a batch logged by a run that crashed before Spark
      // recorded it is planned again below, and its files must still count as available.
      Set<String> present = new HashSet<>(seen);
      present.addAll(unseen().keySet());
      availableNow = present;
    }

    @Override
    public Offset latestOffset(Offset startOffset, ReadLimit limit) {
      load();
      long start = ((LogOffset) startOffset).n;
      // Batches logged after the last one Spark recorded (a crash in between): planned again from scratch.
      for (Map<String, Long> orphan : log.tailMap(start, false).values()) {
        seen.removeAll(orphan.keySet());
      }
      log.tailMap(start, false).clear();
      int max = limit instanceof ReadMaxFiles files ? files.maxFiles() : limit instanceof ReadAllAvailable ? Integer.MAX_VALUE : maxFiles;
      List<Map.Entry<String, Long>> candidates = new ArrayList<>(unseen().entrySet());
      if (availableNow != null) {
        candidates.removeIf(e -> !availableNow.contains(e.getKey()));
      }
      if (candidates.isEmpty()) {
        BACKLOG.put(rootName, new StreamProgress.Landing(0, hidden));
        return startOffset;
      }
      candidates.sort(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
      Map<String, Long> batch = fairShare(candidates, max);
      long next = start + 1;
      SourceLog.write(hadoop, logDir, next, batch);
      log.put(next, batch);
      seen.addAll(batch.keySet());
      BACKLOG.put(rootName, new StreamProgress.Landing(candidates.size() - batch.size(), hidden));
      return new LogOffset(next);
    }

    /**
     * Up to {@code max} of the waiting files, shared fairly between folders (a camera is a folder):
     * round by round, each folder's oldest waiting file, folders in the order of their oldest
     * file. One camera's burst (a thousand frames uploaded at once after an outage) then delays
     * only itself: every other camera still gets its frames into each micro-batch, and its counts
     * stay fresh. Within a folder, files go oldest first, so a camera's frames keep their order.
     *
     * @param candidates waiting files, oldest first
     */
    static Map<String, Long> fairShare(List<Map.Entry<String, Long>> candidates, int max) {
      Map<String, java.util.ArrayDeque<Map.Entry<String, Long>>> byFolder = new LinkedHashMap<>();
      for (Map.Entry<String, Long> e : candidates) {
        int slash = e.getKey().lastIndexOf('/');
        byFolder.computeIfAbsent(slash < 0 ? "" : e.getKey().substring(0, slash), k -> new java.util.ArrayDeque<>()).add(e);
      }
      Map<String, Long> batch = new LinkedHashMap<>();
      while (batch.size() < max && !byFolder.isEmpty()) {
        for (java.util.Iterator<java.util.ArrayDeque<Map.Entry<String, Long>>> it = byFolder.values().iterator();
            it.hasNext() && batch.size() < max;) {
          java.util.ArrayDeque<Map.Entry<String, Long>> folder = it.next();
          Map.Entry<String, Long> e = folder.poll();
          batch.put(e.getKey(), e.getValue());
          if (folder.isEmpty()) {
            it.remove();
          }
        }
      }
      return batch;
    }

    /** Files under the landing folder not in any batch yet, with their modification times. */
    private Map<String, Long> unseen() {
      Map<String, Long> out = new LinkedHashMap<>();
      try {
        FileSystem fs = root.getFileSystem(hadoop);
        if (!fs.exists(root)) {
          return out;
        }
        hidden = InputFiles.walk(fs, root, f -> {
          if (!seen.contains(f.name())) {
            out.put(f.name(), f.modificationTime());
          }
        });
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot list the landing folder " + root + ": " + e.getMessage(), e);
      }
      return out;
    }

    @Override
    public InputPartition[] planInputPartitions(Offset start, Offset end) {
      load();
      List<String> paths = new ArrayList<>();
      List<Long> times = new ArrayList<>();
      for (Map<String, Long> files : log.subMap(((LogOffset) start).n, false, ((LogOffset) end).n, true).values()) {
        files.forEach((p, t) -> {
          paths.add(p);
          times.add(t);
        });
      }
      return new InputPartition[] {new Files(paths.toArray(new String[0]), times.stream().mapToLong(Long::longValue).toArray())};
    }

    @Override
    public PartitionReaderFactory createReaderFactory() {
      return new Rows();
    }

    /**
     * Spark calls this once batch {@code end} is committed (when it plans the next batch): with
     * {@code archive} or {@code delete}, the files of every committed batch not cleaned yet leave
     * the landing folder, so the folder, and each trigger's listing of it, holds only what waits.
     * A file that cannot be moved stays, still known as taken; it is never read twice.
     */
    @Override
    public void commit(Offset end) {
      if (clean == Clean.OFF) {
        return;
      }
      load();
      long through = ((LogOffset) end).n;
      Path marker = new Path(logDir, "_cleaned");
      try {
        FileSystem fs = root.getFileSystem(hadoop);
        if (cleanedThrough == Long.MIN_VALUE) {
          cleanedThrough = fs.exists(marker) ? Long.parseLong(new String(readAll(fs, marker), java.nio.charset.StandardCharsets.UTF_8).trim()) : -1;
        }
        if (through <= cleanedThrough) {
          return;
        }
        FileSystem archiveFs = archive == null ? null : archive.getFileSystem(hadoop);
        // A camera's folder once per commit, not once per file (a mkdirs is a round trip on object stores).
        Set<Path> made = new HashSet<>();
        String rootPrefix = fs.makeQualified(root).toUri().getPath();
        for (Map<String, Long> files : log.subMap(cleanedThrough, false, through, true).values()) {
          for (String name : files.keySet()) {
            Path file = InputFiles.hadoopPath(name);
            if (!fs.exists(file)) {
              continue; // cleaned by an earlier attempt, or gone by itself
            }
            boolean done;
            if (clean == Clean.DELETE) {
              done = fs.delete(file, false);
            } else {
              String relative = file.toUri().getPath();
              relative = relative.startsWith(rootPrefix) ? relative.substring(rootPrefix.length()) : relative;
              Path target = new Path(archive, relative.replaceFirst("^/+", ""));
              if (made.add(target.getParent())) {
                archiveFs.mkdirs(target.getParent());
              }
              done = fs.rename(file, target);
            }
            if (done) {
              seen.remove(name);
            } else {
              System.err.println("[stream] could not " + clean.name().toLowerCase(java.util.Locale.ROOT) + " " + name + "; it stays, not read again");
            }
          }
        }
        try (java.io.OutputStream out = fs.create(marker, true)) {
          out.write(Long.toString(through).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        cleanedThrough = through;
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot " + clean.name().toLowerCase(java.util.Locale.ROOT) + " the processed files of "
            + root + " (batches up to " + through + "): " + e.getMessage(), e);
      }
    }

    private static byte[] readAll(FileSystem fs, Path file) throws IOException {
      try (java.io.InputStream in = fs.open(file)) {
        return in.readAllBytes();
      }
    }

    @Override
    public void stop() {}
  }

  /** One batch's files (the scorer repartitions them, so one partition is enough). */
  record Files(String[] paths, long[] modified) implements InputPartition {}

  /** Executor side: the listing rows; no file is opened here. */
  static final class Rows implements PartitionReaderFactory, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
      Files files = (Files) partition;
      return new PartitionReader<>() {
        private int i = -1;

        @Override
        public boolean next() {
          return ++i < files.paths().length;
        }

        @Override
        public InternalRow get() {
          return new GenericInternalRow(new Object[] {UTF8String.fromString(files.paths()[i]), files.modified()[i] * 1000L});
        }

        @Override
        public void close() {}
      };
    }
  }
}

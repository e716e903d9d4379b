package io.visionlake.jobs.stream;

import io.visionlake.udfs.analyze.objects.Detection;
import io.visionlake.udfs.track.CameraLayout;
import io.visionlake.udfs.track.FrameTracks;
import io.visionlake.udfs.track.TrackEvent;
import io.visionlake.udfs.track.Tracker;
import io.visionlake.udfs.track.TrackerSettings;
import io.visionlake.udfs.track.TrackerState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tracking step of a micro-batch: each camera's frames, in capture-time order, through that
 * camera's {@link Tracker}, continuing from the state the previous batch left.
 *
 * <p>Why on the driver: the input is the batch's detections only (a few boxes per frame, collected
 * once), a tracker update costs microseconds, and the state then lives in one place, recorded with
 * the batch's other per-camera state before Spark commits the batch ({@link CameraWatermarks}). A
 * replay of a batch starts from the same state and the same frames, so it assigns the same track
 * ids and emits the same events, and the Delta writes it repeats are skipped or set the same
 * values. Per camera the state also holds a summary of each live track (first and last sighting,
 * frames, best score), so the {@code tracks} table is written with absolute values, never
 * increments: a repeated MERGE changes nothing.
 *
 * <p>A frame captured before the last frame its camera's tracker processed (it arrived after a later
 * frame, within the watermark) is stored without track ids and counted as untracked: a tracker
 * cannot go back in time.
 */
final class CameraTracking {
  private static final int STATE_VERSION = 1;

  /** One frame's detections; {@code key} identifies the frame within the batch. */
  record Frame(String key, String camera, long capturedAt, List<Detection> objects) {}

  /** A track's summary: absolute values, as the {@code tracks} table holds them. */
  record TrackRow(String camera, int trackId, String label, long firstSeen, long lastSeen, long frames,
      int firstX, int firstY, int lastX, int lastY, float maxScore, boolean ended) {}

  record Crossing(String camera, String line, String label, int trackId, long at, String direction) {}

  record ZoneVisit(String camera, String zone, String label, int trackId, long enteredAt, long exitedAt, long dwellMillis) {}

  /**
   * What one batch's tracking produced.
   *
   * @param trackIds per frame key, per detection (in the frame's order): the track id or -1
   * @param tracks every track seen or ended in the batch
   * @param states each camera's state after the batch, for {@link CameraWatermarks}
   * @param untracked frames older than their camera's last tracked frame
   */
  record Result(Map<String, int[]> trackIds, List<TrackRow> tracks, List<Crossing> crossings, List<ZoneVisit> visits,
      Map<String, String> states, long untracked) {}

  private final TrackerSettings settings;
  private final Map<String, CameraLayout> layouts;

  CameraTracking(TrackerSettings settings, Map<String, CameraLayout> layouts) {
    this.settings = settings;
    this.layouts = Map.copyOf(layouts);
  }

  Map<String, CameraLayout> layouts() {
    return layouts;
  }

  /** Tracks {@code frames} (any order) from {@code before} (camera -> state, as {@link Result#states}). */
  Result run(Map<String, String> before, List<Frame> frames) {
    Map<String, List<Frame>> byCamera = new TreeMap<>();
    frames.forEach(f -> byCamera.computeIfAbsent(f.camera(), c -> new ArrayList<>()).add(f));
    Map<String, String> after = new TreeMap<>(before);
    Map<String, int[]> ids = new HashMap<>();
    List<TrackRow> tracks = new ArrayList<>();
    List<Crossing> crossings = new ArrayList<>();
    List<ZoneVisit> visits = new ArrayList<>();
    long untracked = 0;
    for (Map.Entry<String, List<Frame>> e : byCamera.entrySet()) {
      String camera = e.getKey();
      CameraState state = CameraState.decode(before.get(camera), settings, layouts.getOrDefault(camera, CameraLayout.EMPTY));
      List<Frame> sorted = new ArrayList<>(e.getValue());
      sorted.sort(Comparator.comparingLong(Frame::capturedAt).thenComparing(Frame::key));
      Map<Integer, TrackRow> touched = new LinkedHashMap<>();
      for (Frame f : sorted) {
        if (f.capturedAt() < state.lastMillis) {
          untracked++;
          continue;
        }
        state.lastMillis = f.capturedAt();
        state.started.clear();
        FrameTracks result = state.tracker.update(f.capturedAt(), f.objects());
        int[] frameIds = new int[f.objects().size()];
        for (TrackEvent ev : result.events()) {
          handle(camera, ev, state, touched, crossings, visits);
        }
        for (int i = 0; i < frameIds.length; i++) {
          int id = result.trackIds().get(i);
          frameIds[i] = id;
          if (id >= 0) {
            Detection d = f.objects().get(i);
            TrackRow row = state.live.get(id);
            int ax = d.x() + d.w() / 2;
            int ay = d.y() + d.h();
            // A new track's first sighting is its first tentative frame (the Started event's time).
            row = row == null
                ? new TrackRow(camera, id, d.label(), Math.min(f.capturedAt(), state.started.getOrDefault(id, f.capturedAt())),
                    f.capturedAt(), 1, ax, ay, ax, ay, d.score(), false)
                : new TrackRow(camera, id, row.label(), Math.min(row.firstSeen(), f.capturedAt()), f.capturedAt(), row.frames() + 1,
                    row.firstX(), row.firstY(), ax, ay, Math.max(row.maxScore(), d.score()), false);
            state.live.put(id, row);
            touched.put(id, row);
          }
        }
        ids.put(f.key(), frameIds);
      }
      tracks.addAll(touched.values());
      after.put(camera, state.encode());
    }
    return new Result(ids, tracks, crossings, visits, after, untracked);
  }

  private static void handle(String camera, TrackEvent ev, CameraState state, Map<Integer, TrackRow> touched,
      List<Crossing> crossings, List<ZoneVisit> visits) {
    if (ev instanceof TrackEvent.Started s) {
      state.started.put(s.trackId(), s.atMillis());
    } else if (ev instanceof TrackEvent.Ended end) {
      TrackRow row = state.live.remove(end.trackId());
      state.started.remove(end.trackId());
      if (row != null) {
        touched.put(end.trackId(), new TrackRow(row.camera(), row.trackId(), row.label(), row.firstSeen(), row.lastSeen(),
            row.frames(), row.firstX(), row.firstY(), row.lastX(), row.lastY(), row.maxScore(), true));
      }
    } else if (ev instanceof TrackEvent.LineCrossed c) {
      crossings.add(new Crossing(camera, c.line(), c.label(), c.trackId(), c.atMillis(), c.direction().name().toLowerCase(java.util.Locale.ROOT)));
    } else if (ev instanceof TrackEvent.ZoneExited z) {
      visits.add(new ZoneVisit(camera, z.zone(), z.label(), z.trackId(), z.enteredAtMillis(), z.atMillis(), z.dwellMillis()));
    }
  }

  /** One camera's tracker, its last tracked capture time and its live tracks' summaries. */
  private static final class CameraState {
    Tracker tracker;
    long lastMillis = Long.MIN_VALUE;
    final Map<Integer, TrackRow> live = new TreeMap<>();
    /** First sightings of the tracks confirmed in the current frame (read when their summary is made). */
    final Map<Integer, Long> started = new HashMap<>();

    static CameraState decode(String encoded, TrackerSettings settings, CameraLayout layout) {
      CameraState s = new CameraState();
      if (encoded == null) {
        s.tracker = new Tracker(settings, layout);
        return s;
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(encoded)))) {
        int version = in.readInt();
        if (version != STATE_VERSION) {
          throw new IOException("tracking state version " + version + ", this build reads " + STATE_VERSION);
        }
        s.lastMillis = in.readLong();
        byte[] tracker = new byte[in.readInt()];
        in.readFully(tracker);
        s.tracker = Tracker.restore(settings, layout, TrackerState.fromBytes(tracker));
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
          TrackRow r = new TrackRow(in.readUTF(), in.readInt(), in.readUTF(), in.readLong(), in.readLong(), in.readLong(),
              in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readFloat(), false);
          s.live.put(r.trackId(), r);
        }
        return s;
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalStateException("The stream's tracking state cannot be read (" + e.getMessage() + "); it is written by the "
            + "stream job into the checkpoint and must not be edited. Start the stream on a new checkpoint to start tracking afresh.", e);
      }
    }

    String encode() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeInt(STATE_VERSION);
        out.writeLong(lastMillis);
        byte[] tracker = this.tracker.snapshot().toBytes();
        out.writeInt(tracker.length);
        out.write(tracker);
        out.writeInt(live.size());
        for (TrackRow r : live.values()) {
          out.writeUTF(r.camera());
          out.writeInt(r.trackId());
          out.writeUTF(r.label());
          out.writeLong(r.firstSeen());
          out.writeLong(r.lastSeen());
          out.writeLong(r.frames());
          out.writeInt(r.firstX());
          out.writeInt(r.firstY());
          out.writeInt(r.lastX());
          out.writeInt(r.lastY());
          out.writeFloat(r.maxScore());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e); // a byte array does not fail
      }
      return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
  }
}

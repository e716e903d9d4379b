package io.visionlake.udfs.track;

import io.visionlake.udfs.analyze.objects.Detection;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Multi-object tracker of one camera, in the manner of SORT and ByteTrack: a constant-velocity Kalman
 * filter per track ({@link BoxFilter}), optimal IoU assignment ({@link Hungarian}) between predicted
 * boxes and detections of the same class (or class group: car, truck, bus), first with high-score
 * detections, then with the low-score ones against confirmed tracks left over. Tracks are tentative until matched in {@code minHits}
 * frames; only confirmed tracks get an id (1, 2, 3... per camera) and report events. Crossings and
 * zones follow each track's anchor, the bottom centre of its detected box.
 *
 * <p>Not thread-safe; one per camera, frames in capture-time order. Its whole state is
 * {@link #snapshot()}, and {@link #restore} continues exactly as if never stopped.
 */
public final class Tracker {

  private final TrackerSettings settings;
  private final CameraLayout layout;
  private final List<Track> tracks = new ArrayList<>();
  private long lastFrameMillis = Long.MIN_VALUE;
  private int nextId = 1;

  public Tracker(TrackerSettings settings, CameraLayout layout) {
    this.settings = settings;
    this.layout = layout;
  }

  public static Tracker restore(TrackerSettings settings, CameraLayout layout, TrackerState state) {
    TrackerState.Decoded d = state.decode();
    Tracker t = new Tracker(settings, layout);
    t.lastFrameMillis = d.lastFrameMillis();
    t.nextId = d.nextId();
    for (Track track : d.tracks()) {
      // A line or zone removed from the layout since the snapshot no longer counts.
      track.lineSides.keySet().retainAll(layout.lines().keySet());
      track.zoneEntered.keySet().retainAll(layout.zones().keySet());
      t.tracks.add(track);
    }
    return t;
  }

  public TrackerState snapshot() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(TrackerState.MAGIC);
      out.writeInt(TrackerState.VERSION);
      out.writeLong(lastFrameMillis);
      out.writeInt(nextId);
      out.writeInt(tracks.size());
      for (Track t : tracks) {
        t.write(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return new TrackerState(bytes.toByteArray());
  }

  /**
   * Processes one frame. Detections with a score below {@code lowScore} or an empty box are ignored
   * (id -1).
   *
   * @throws IllegalArgumentException if the frame is earlier than the last frame (or flush) processed
   */
  public FrameTracks update(long capturedAtMillis, List<Detection> detections) {
    advanceClock(capturedAtMillis);
    List<TrackEvent> events = new ArrayList<>();
    endAged(capturedAtMillis, events);
    for (Track t : tracks) {
      t.predictTo(capturedAtMillis);
    }

    int n = detections.size();
    List<Integer> high = new ArrayList<>();
    List<Integer> low = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Detection d = detections.get(i);
      if (d.w() <= 0 || d.h() <= 0 || !(d.score() >= settings.lowScore())) {
        continue;
      }
      (d.score() >= settings.highScore() ? high : low).add(i);
    }

    int[] trackDet = new int[tracks.size()];
    Arrays.fill(trackDet, -1);
    boolean[] detUsed = new boolean[n];
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < tracks.size(); i++) {
      all.add(i);
    }
    match(all, high, detections, settings.matchIou(), trackDet, detUsed);
    List<Integer> leftConfirmed = new ArrayList<>();
    for (int i = 0; i < tracks.size(); i++) {
      if (trackDet[i] < 0 && tracks.get(i).confirmed()) {
        leftConfirmed.add(i);
      }
    }
    match(leftConfirmed, low, detections, settings.lowMatchIou(), trackDet, detUsed);

    // New tentative tracks only from high-score detections nothing claimed (ByteTrack).
    int existing = tracks.size();
    for (int i : high) {
      if (!detUsed[i]) {
        Detection d = detections.get(i);
        tracks.add(new Track(0, d.label(), d.classIndex(), 0, capturedAtMillis, capturedAtMillis,
            capturedAtMillis, BoxFilter.start(d.x() + d.w() / 2.0, d.y() + d.h() / 2.0, d.w(), d.h())));
      }
    }
    int[] detOf = Arrays.copyOf(trackDet, tracks.size());
    int k = existing;
    for (int i : high) {
      if (!detUsed[i]) {
        detOf[k++] = i;
      }
    }

    Integer[] ids = new Integer[n];
    Arrays.fill(ids, -1);
    for (int ti = 0; ti < tracks.size(); ti++) {
      int di = detOf[ti];
      if (di < 0) {
        continue;
      }
      Track t = tracks.get(ti);
      Detection d = detections.get(di);
      if (ti < existing) {
        t.filter.update(d.x() + d.w() / 2.0, d.y() + d.h() / 2.0, d.w(), d.h());
      }
      t.hits++;
      t.lastSeenMillis = capturedAtMillis;
      t.observe(capturedAtMillis, d.x() + d.w() / 2.0, d.y() + (double) d.h(), layout, events);
      if (!t.confirmed() && t.hits >= settings.minHits()) {
        t.id = nextId++;
        events.add(new TrackEvent.Started(t.id, t.label, t.firstSeenMillis));
        for (TrackEvent e : t.pending) {
          events.add(TrackEvent.withTrackId(e, t.id));
        }
        t.pending.clear();
      }
      if (t.confirmed()) {
        ids[di] = t.id;
      }
    }
    return new FrameTracks(capturedAtMillis, Arrays.asList(ids), events);
  }

  /**
   * Ends the tracks not matched for more than {@code maxAgeMillis} at {@code nowMillis}, for when no
   * frame comes (a camera gone quiet). Moves the clock: later frames must not be earlier.
   */
  public List<TrackEvent> flush(long nowMillis) {
    advanceClock(nowMillis);
    List<TrackEvent> events = new ArrayList<>();
    endAged(nowMillis, events);
    return events;
  }

  /** End of stream: ends every track at its last observation, confirmed ones with their events. */
  public List<TrackEvent> endAll() {
    List<TrackEvent> events = new ArrayList<>();
    for (Track t : tracks) {
      t.end(events);
    }
    tracks.clear();
    return events;
  }

  /** Ids of the live confirmed tracks, oldest first. */
  public List<Integer> confirmedTrackIds() {
    return tracks.stream().filter(Track::confirmed).map(t -> t.id).toList();
  }

  public TrackerSettings settings() {
    return settings;
  }

  public CameraLayout layout() {
    return layout;
  }

  private void advanceClock(long millis) {
    if (millis < lastFrameMillis) {
      throw new IllegalArgumentException("Frame captured at " + millis + " ms is earlier than the last one "
          + "processed (" + lastFrameMillis + " ms): feed one camera's frames in capture-time order "
          + "(late frames are dropped before tracking, or tracked by a fresh Tracker)");
    }
    lastFrameMillis = millis;
  }

  private void endAged(long nowMillis, List<TrackEvent> events) {
    tracks.removeIf(t -> {
      if (nowMillis - t.lastSeenMillis > settings.maxAgeMillis()) {
        t.end(events);
        return true;
      }
      return false;
    });
  }

  /**
   * Assigns detections {@code dets} to tracks {@code ts} by IoU, at least {@code minIou}, of the same
   * class or of one of the settings' class groups (the track keeps its class).
   */
  private void match(List<Integer> ts, List<Integer> dets, List<Detection> detections, double minIou,
      int[] trackDet, boolean[] detUsed) {
    if (ts.isEmpty() || dets.isEmpty()) {
      return;
    }
    double[][] iou = new double[ts.size()][dets.size()];
    double[][] cost = new double[ts.size()][dets.size()];
    for (int a = 0; a < ts.size(); a++) {
      Track t = tracks.get(ts.get(a));
      for (int b = 0; b < dets.size(); b++) {
        Detection d = detections.get(dets.get(b));
        double v = settings.sameGroup(t.label, d.label()) ? t.filter.iou(d.x(), d.y(), d.w(), d.h()) : 0;
        iou[a][b] = v >= minIou ? v : 0;
        // Forbidden pairs cost as much as a zero overlap: the optimum maximises the summed IoU
        // of allowed pairs, and the forbidden pairs it picks are dropped below.
        cost[a][b] = 1 - iou[a][b];
      }
    }
    int[] assigned = Hungarian.assign(cost, ts.size(), dets.size());
    for (int a = 0; a < ts.size(); a++) {
      int b = assigned[a];
      if (b >= 0 && iou[a][b] > 0) {
        trackDet[ts.get(a)] = dets.get(b);
        detUsed[dets.get(b)] = true;
      }
    }
  }
}

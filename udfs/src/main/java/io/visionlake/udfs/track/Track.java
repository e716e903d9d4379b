package io.visionlake.udfs.track;

import io.visionlake.udfs.track.TrackEvent.Direction;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One track's mutable state inside a {@link Tracker}; never shared outside it. */
final class Track {

  /** 0 while tentative; the camera's next id once confirmed. */
  int id;
  final String label;
  final int classIndex;
  int hits;
  final long firstSeenMillis;
  long lastSeenMillis;
  long filterMillis;
  final BoxFilter filter;
  /** Per line: {side (+1 or -1), anchor x, anchor y} of the last observation off the line. */
  final TreeMap<String, double[]> lineSides = new TreeMap<>();
  /** Per zone the anchor is in: when it entered. */
  final TreeMap<String, Long> zoneEntered = new TreeMap<>();
  /**
   * Events of a tentative track, kept until it is confirmed (then reported with its id) or ends
   * (then dropped): an object that crosses a line in its first frames is still counted once.
   */
  final List<TrackEvent> pending = new ArrayList<>();

  Track(int id, String label, int classIndex, int hits, long firstSeenMillis, long lastSeenMillis,
      long filterMillis, BoxFilter filter) {
    this.id = id;
    this.label = label;
    this.classIndex = classIndex;
    this.hits = hits;
    this.firstSeenMillis = firstSeenMillis;
    this.lastSeenMillis = lastSeenMillis;
    this.filterMillis = filterMillis;
    this.filter = filter;
  }

  boolean confirmed() {
    return id > 0;
  }

  void predictTo(long millis) {
    filter.predict((millis - filterMillis) / 1000.0);
    filterMillis = millis;
  }

  /**
   * Lines and zones for one observation at {@code millis} whose anchor (bottom centre) is (ax, ay).
   * A point exactly on a line (s == 0) is no observation for that line: the side stays the previous
   * one, so touching the line and going back is no crossing.
   */
  void observe(long millis, double ax, double ay, CameraLayout layout, List<TrackEvent> out) {
    List<TrackEvent> sink = confirmed() ? out : pending;
    int eventId = confirmed() ? id : -1;
    for (CountLine line : layout.lines().values()) {
      double s = line.side(ax, ay);
      if (s == 0) {
        continue;
      }
      double sign = Math.signum(s);
      double[] prev = lineSides.get(line.name());
      if (prev != null && prev[0] != sign) {
        double sp = line.side(prev[1], prev[2]);
        if (line.segmentHit(prev[1], prev[2], sp, ax, ay, s)) {
          sink.add(new TrackEvent.LineCrossed(eventId, label, line.name(),
              sign > 0 ? Direction.IN : Direction.OUT, millis));
        }
      }
      lineSides.put(line.name(), new double[] {sign, ax, ay});
    }
    for (Zone zone : layout.zones().values()) {
      boolean inside = zone.contains(ax, ay);
      Long entered = zoneEntered.get(zone.name());
      if (inside && entered == null) {
        zoneEntered.put(zone.name(), millis);
        sink.add(new TrackEvent.ZoneEntered(eventId, label, zone.name(), millis));
      } else if (!inside && entered != null) {
        zoneEntered.remove(zone.name());
        sink.add(new TrackEvent.ZoneExited(eventId, label, zone.name(), entered, millis, millis - entered));
      }
    }
  }

  /** The events of this track's end: zone exits at its last observation, then Ended. None if tentative. */
  void end(List<TrackEvent> out) {
    if (!confirmed()) {
      return;
    }
    for (Map.Entry<String, Long> e : zoneEntered.entrySet()) {
      out.add(new TrackEvent.ZoneExited(id, label, e.getKey(), e.getValue(), lastSeenMillis,
          lastSeenMillis - e.getValue()));
    }
    out.add(new TrackEvent.Ended(id, label, firstSeenMillis, lastSeenMillis));
  }

  void write(DataOutputStream out) throws IOException {
    out.writeInt(id);
    out.writeUTF(label);
    out.writeInt(classIndex);
    out.writeInt(hits);
    out.writeLong(firstSeenMillis);
    out.writeLong(lastSeenMillis);
    out.writeLong(filterMillis);
    for (double d : filter.state) {
      out.writeDouble(d);
    }
    out.writeInt(lineSides.size());
    for (Map.Entry<String, double[]> e : lineSides.entrySet()) {
      out.writeUTF(e.getKey());
      for (double d : e.getValue()) {
        out.writeDouble(d);
      }
    }
    out.writeInt(zoneEntered.size());
    for (Map.Entry<String, Long> e : zoneEntered.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeLong(e.getValue());
    }
    out.writeInt(pending.size());
    for (TrackEvent e : pending) {
      writeEvent(out, e);
    }
  }

  static Track read(DataInputStream in) throws IOException {
    int id = in.readInt();
    String label = in.readUTF();
    int classIndex = in.readInt();
    int hits = in.readInt();
    long first = in.readLong();
    long last = in.readLong();
    long filterMillis = in.readLong();
    double[] state = new double[BoxFilter.DOUBLES];
    for (int i = 0; i < state.length; i++) {
      state[i] = in.readDouble();
    }
    Track t = new Track(id, label, classIndex, hits, first, last, filterMillis, new BoxFilter(state));
    for (int n = count(in); n > 0; n--) {
      t.lineSides.put(in.readUTF(), new double[] {in.readDouble(), in.readDouble(), in.readDouble()});
    }
    for (int n = count(in); n > 0; n--) {
      t.zoneEntered.put(in.readUTF(), in.readLong());
    }
    for (int n = count(in); n > 0; n--) {
      t.pending.add(readEvent(in));
    }
    return t;
  }

  static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1_000_000) {
      throw new IOException("implausible count " + n);
    }
    return n;
  }

  private static void writeEvent(DataOutputStream out, TrackEvent e) throws IOException {
    if (e instanceof TrackEvent.Started s) {
      out.writeByte(1);
      out.writeInt(s.trackId());
      out.writeUTF(s.label());
      out.writeLong(s.atMillis());
    } else if (e instanceof TrackEvent.Ended s) {
      out.writeByte(2);
      out.writeInt(s.trackId());
      out.writeUTF(s.label());
      out.writeLong(s.firstSeenMillis());
      out.writeLong(s.atMillis());
    } else if (e instanceof TrackEvent.LineCrossed s) {
      out.writeByte(3);
      out.writeInt(s.trackId());
      out.writeUTF(s.label());
      out.writeUTF(s.line());
      out.writeByte(s.direction().ordinal());
      out.writeLong(s.atMillis());
    } else if (e instanceof TrackEvent.ZoneEntered s) {
      out.writeByte(4);
      out.writeInt(s.trackId());
      out.writeUTF(s.label());
      out.writeUTF(s.zone());
      out.writeLong(s.atMillis());
    } else if (e instanceof TrackEvent.ZoneExited s) {
      out.writeByte(5);
      out.writeInt(s.trackId());
      out.writeUTF(s.label());
      out.writeUTF(s.zone());
      out.writeLong(s.enteredAtMillis());
      out.writeLong(s.atMillis());
      out.writeLong(s.dwellMillis());
    }
  }

  private static TrackEvent readEvent(DataInputStream in) throws IOException {
    int type = in.readByte();
    return switch (type) {
      case 1 -> new TrackEvent.Started(in.readInt(), in.readUTF(), in.readLong());
      case 2 -> new TrackEvent.Ended(in.readInt(), in.readUTF(), in.readLong(), in.readLong());
      case 3 -> {
        int id = in.readInt();
        String label = in.readUTF();
        String line = in.readUTF();
        int dir = in.readByte();
        if (dir < 0 || dir >= Direction.values().length) {
          throw new IOException("unknown crossing direction " + dir);
        }
        yield new TrackEvent.LineCrossed(id, label, line, Direction.values()[dir], in.readLong());
      }
      case 4 -> new TrackEvent.ZoneEntered(in.readInt(), in.readUTF(), in.readUTF(), in.readLong());
      case 5 -> new TrackEvent.ZoneExited(in.readInt(), in.readUTF(), in.readUTF(), in.readLong(),
          in.readLong(), in.readLong());
      default -> throw new IOException("unknown event type " + type);
    };
  }
}

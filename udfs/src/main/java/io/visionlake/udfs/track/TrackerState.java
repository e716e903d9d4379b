package io.visionlake.udfs.track;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link Tracker}'s state between frames: last frame time, next id, every live track (filter,
 * line sides, zones, a tentative track's pending events). It holds exactly its compact byte form
 * ({@link #toBytes()}, a versioned DataOutputStream encoding, a few hundred bytes per track), so Java
 * serialisation and the bytes can never disagree. Settings and the layout are not part of it: they
 * come from configuration when restoring.
 */
public final class TrackerState implements Serializable {

  private static final long serialVersionUID = 1L;
  static final int MAGIC = 0x564C5452; // "VLTR"
  static final int VERSION = 1;

  private final byte[] bytes;

  TrackerState(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The compact form; store it with the stream's other state. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Reads {@link #toBytes()}'s output; bytes that are not a tracker state fail here, not later. */
  public static TrackerState fromBytes(byte[] bytes) {
    TrackerState s = new TrackerState(bytes.clone());
    s.decode();
    return s;
  }

  record Decoded(long lastFrameMillis, int nextId, List<Track> tracks) {}

  Decoded decode() {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int magic = in.readInt();
      int version = in.readInt();
      if (magic != MAGIC || version != VERSION) {
        throw new IllegalArgumentException("Not a tracker state of version " + VERSION + " (header "
            + Integer.toHexString(magic) + ", version " + version
            + "): the bytes must come from TrackerState.toBytes() of this version");
      }
      long last = in.readLong();
      int nextId = in.readInt();
      List<Track> tracks = new ArrayList<>();
      for (int n = Track.count(in); n > 0; n--) {
        tracks.add(Track.read(in));
      }
      if (in.read() != -1) {
        throw new IOException("trailing bytes");
      }
      return new Decoded(last, nextId, tracks);
    } catch (IOException e) {
      throw new IllegalArgumentException("Tracker state of " + bytes.length
          + " bytes is truncated or corrupt (" + e + "); it must be TrackerState.toBytes() output", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrackerState s && Arrays.equals(s.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "TrackerState[" + bytes.length + " bytes]";
  }
}

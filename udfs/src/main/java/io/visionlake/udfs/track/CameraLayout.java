package io.visionlake.udfs.track;

import java.io.Serializable;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The counting lines and zones of one camera, by name. Iteration is by name, so the events of a frame
 * come in the same order on every run and after every restart.
 */
public final class CameraLayout implements Serializable {

  public static final CameraLayout EMPTY = new CameraLayout(List.of(), List.of());

  private final TreeMap<String, CountLine> lines = new TreeMap<>();
  private final TreeMap<String, Zone> zones = new TreeMap<>();

  public CameraLayout(List<CountLine> lines, List<Zone> zones) {
    for (CountLine l : lines) {
      if (this.lines.put(l.name(), l) != null) {
        throw new IllegalArgumentException("two lines are named " + l.name());
      }
    }
    for (Zone z : zones) {
      if (this.zones.put(z.name(), z) != null) {
        throw new IllegalArgumentException("two zones are named " + z.name());
      }
    }
  }

  public Map<String, CountLine> lines() {
    return Collections.unmodifiableMap(lines);
  }

  public Map<String, Zone> zones() {
    return Collections.unmodifiableMap(zones);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CameraLayout c && c.lines.equals(lines) && c.zones.equals(zones);
  }

  @Override
  public int hashCode() {
    return lines.hashCode() * 31 + zones.hashCode();
  }

  @Override
  public String toString() {
    return "CameraLayout[lines=" + lines.values() + ", zones=" + zones.values() + "]";
  }
}

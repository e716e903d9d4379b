package io.visionlake.udfs.track;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Reads the layout file every camera shares: {@code <camera>.line.<name>=x1,y1,x2,y2} and
 * {@code <camera>.zone.<name>=x1,y1,x2,y2,x3,y3[,...]} in frame pixels. The key is read from the
 * right: its last part is the name (no dots), the one before it the kind, and everything before that
 * the camera id, which may contain dots ({@code lobby.cam1.line.door}). A camera absent from the file
 * has {@link CameraLayout#EMPTY}.
 */
public final class CameraLayouts {

  private CameraLayouts() {
  }

  public static Map<String, CameraLayout> parse(Path file) {
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(r);
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("Camera layout file " + file + " cannot be read: " + e.getMessage(), e);
    }
    return parse(props, file.toString());
  }

  /** {@code source} names the file (or other origin) in error messages. */
  public static Map<String, CameraLayout> parse(Properties props, String source) {
    Map<String, List<CountLine>> lines = new TreeMap<>();
    Map<String, List<Zone>> zones = new TreeMap<>();
    for (String key : new TreeMap<>(props).keySet().stream().map(Object::toString).toList()) {
      String value = props.getProperty(key).trim();
      int nameDot = key.lastIndexOf('.');
      int kindDot = nameDot <= 0 ? -1 : key.lastIndexOf('.', nameDot - 1);
      if (kindDot <= 0 || nameDot == key.length() - 1) {
        throw error(source, key, "is not <camera>.line.<name> or <camera>.zone.<name>",
            "cam1.line.door=100,400,500,400 or cam1.zone.queue=0,0,200,0,200,300");
      }
      String camera = key.substring(0, kindDot);
      String kind = key.substring(kindDot + 1, nameDot);
      String name = key.substring(nameDot + 1);
      double[] v = numbers(source, key, value);
      switch (kind) {
        case "line" -> {
          if (v.length != 4) {
            throw error(source, key, "a line needs exactly 4 numbers, got " + v.length,
                key + "=x1,y1,x2,y2");
          }
          if (v[0] == v[2] && v[1] == v[3]) {
            throw error(source, key, "both end points are (" + value + ")",
                key + "=x1,y1,x2,y2 with two distinct points");
          }
          lines.computeIfAbsent(camera, c -> new ArrayList<>()).add(new CountLine(name, v[0], v[1], v[2], v[3]));
        }
        case "zone" -> {
          if (v.length < 6 || v.length % 2 != 0) {
            throw error(source, key, "a zone needs at least 3 points as x,y pairs, got "
                + v.length + " number(s)", key + "=x1,y1,x2,y2,x3,y3[,...]");
          }
          double[] xs = new double[v.length / 2];
          double[] ys = new double[v.length / 2];
          for (int i = 0; i < xs.length; i++) {
            xs[i] = v[2 * i];
            ys[i] = v[2 * i + 1];
          }
          zones.computeIfAbsent(camera, c -> new ArrayList<>()).add(new Zone(name, xs, ys));
        }
        default -> throw error(source, key, "unknown kind '" + kind + "' (only line and zone exist)",
            camera + ".line." + name + "=x1,y1,x2,y2 or " + camera + ".zone." + name
                + "=x1,y1,x2,y2,x3,y3[,...]");
      }
    }
    Map<String, CameraLayout> out = new TreeMap<>();
    for (String camera : union(lines, zones)) {
      out.put(camera, new CameraLayout(lines.getOrDefault(camera, List.of()), zones.getOrDefault(camera, List.of())));
    }
    return out;
  }

  private static List<String> union(Map<String, ?> a, Map<String, ?> b) {
    TreeMap<String, Boolean> all = new TreeMap<>();
    a.keySet().forEach(k -> all.put(k, true));
    b.keySet().forEach(k -> all.put(k, true));
    return new ArrayList<>(all.keySet());
  }

  private static double[] numbers(String source, String key, String value) {
    if (value.isEmpty()) {
      throw error(source, key, "has no value", key + "=x1,y1,x2,y2[,...] in frame pixels");
    }
    String[] parts = value.split(",", -1);
    double[] v = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].trim();
      try {
        v[i] = Double.parseDouble(p);
      } catch (NumberFormatException e) {
        v[i] = Double.NaN;
      }
      if (!Double.isFinite(v[i])) {
        throw error(source, key, "value " + (i + 1) + " '" + p + "' is not a number",
            "comma-separated pixel coordinates, e.g. " + key + "=100,400,500,400");
      }
    }
    return v;
  }

  private static IllegalArgumentException error(String source, String key, String what, String write) {
    return new IllegalArgumentException(
        "Camera layout " + source + ": key '" + key + "' " + what + "; write " + write);
  }
}

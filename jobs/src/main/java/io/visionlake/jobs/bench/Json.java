package io.visionlake.jobs.bench;

import java.util.Map;

/** A minimal JSON writer for the flat report maps (strings, numbers, nested maps). */
public final class Json {
  private Json() {}

  static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(value, sb, "");
    return sb.toString();
  }

  private static void write(Object value, StringBuilder sb, String indent) {
    if (value instanceof Map) {
      sb.append("{\n");
      String inner = indent + "  ";
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        if (!first) {
          sb.append(",\n");
        }
        first = false;
        sb.append(inner).append('"').append(e.getKey()).append("\": ");
        write(e.getValue(), sb, inner);
      }
      sb.append('\n').append(indent).append('}');
    } else if (value instanceof Number || value instanceof Boolean) {
      sb.append(value);
    } else {
      sb.append('"').append(String.valueOf(value).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
  }
}

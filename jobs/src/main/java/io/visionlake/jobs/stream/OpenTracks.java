package io.visionlake.jobs.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionlake.jobs.lake.Lake;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * The {@code tracks} rows of a stream's tracks that have not ended, kept in the checkpoint's
 * per-batch state like the open windows ({@link OpenWindows}), so a batch writes them with {@link
 * WindowFiles} (about an append) instead of a MERGE: a track's row changes every batch it is seen
 * in until it ends; an ended track's row is written once more and leaves the state.
 */
final class OpenTracks {
  /** Per "camera/track id": the track's row ({@link Lake#TRACKS_SCHEMA}). */
  private final Map<String, Row> open = new TreeMap<>();

  /** The rows a batch writes: tracks that ended in it, and every track still open. */
  record Written(List<Row> ended, List<Row> open) {}

  private static String key(Row r) {
    return r.getString(0) + "/" + r.getInt(1);
  }

  /** Adds the tracks rows the batch produced (absolute values); returns what to write. */
  Written update(List<Row> touched) {
    List<Row> ended = new ArrayList<>();
    for (Row r : touched) {
      if (r.getBoolean(Lake.TRACKS_SCHEMA.fieldIndex("ended"))) {
        open.remove(key(r));
        ended.add(r);
      } else {
        open.put(key(r), r);
      }
    }
    return new Written(ended, new ArrayList<>(open.values()));
  }

  /** Seeds the state from the table's rows of tracks not ended (a checkpoint of an earlier version). */
  void addAll(List<Row> rows) {
    rows.forEach(r -> open.put(key(r), r));
  }

  JsonNode toJson() {
    ArrayNode json = JsonNodeFactory.instance.arrayNode();
    for (Row r : open.values()) {
      ObjectNode o = json.addObject();
      StructField[] fields = Lake.TRACKS_SCHEMA.fields();
      for (int i = 0; i < fields.length; i++) {
        DataType t = fields[i].dataType();
        String name = fields[i].name();
        if (r.isNullAt(i)) {
          o.putNull(name);
        } else if (t.equals(DataTypes.StringType)) {
          o.put(name, r.getString(i));
        } else if (t.equals(DataTypes.IntegerType)) {
          o.put(name, r.getInt(i));
        } else if (t.equals(DataTypes.LongType)) {
          o.put(name, r.getLong(i));
        } else if (t.equals(DataTypes.FloatType)) {
          o.put(name, Float.floatToIntBits(r.getFloat(i))); // bit-exact through JSON
        } else if (t.equals(DataTypes.BooleanType)) {
          o.put(name, r.getBoolean(i));
        } else if (t.equals(DataTypes.TimestampType)) {
          o.put(name, r.getTimestamp(i).getTime());
        } else {
          throw new IllegalStateException("tracks." + name + " has a type the stream state cannot hold: " + t);
        }
      }
    }
    return json;
  }

  static OpenTracks fromJson(JsonNode json) {
    OpenTracks tracks = new OpenTracks();
    for (Iterator<JsonNode> it = json.elements(); it.hasNext();) {
      JsonNode o = it.next();
      StructField[] fields = Lake.TRACKS_SCHEMA.fields();
      Object[] values = new Object[fields.length];
      for (int i = 0; i < fields.length; i++) {
        JsonNode v = o.get(fields[i].name());
        DataType t = fields[i].dataType();
        values[i] = v == null || v.isNull() ? null
            : t.equals(DataTypes.StringType) ? v.asText()
            : t.equals(DataTypes.IntegerType) ? (Object) v.asInt()
            : t.equals(DataTypes.LongType) ? (Object) v.asLong()
            : t.equals(DataTypes.FloatType) ? (Object) Float.intBitsToFloat(v.asInt())
            : t.equals(DataTypes.BooleanType) ? (Object) v.asBoolean()
            : new Timestamp(v.asLong());
      }
      Row r = RowFactory.create(values);
      tracks.open.put(key(r), r);
    }
    return tracks;
  }
}

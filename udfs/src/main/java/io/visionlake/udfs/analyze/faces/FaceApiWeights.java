package io.visionlake.udfs.analyze.faces;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weights of one face-api.js network: its {@code <name>-weights_manifest.json} and the shards
 * it lists, decoded as TF.js's {@code io.decodeWeights} does. A tensor is float32 (4 bytes a value),
 * int32, or uint8-quantised ({@code quantization: {dtype: uint8, scale, min}}, one byte a value,
 * value = q * scale + min, computed in double and stored as float like TF.js's Float32Array).
 */
public final class FaceApiWeights {
  /** One tensor: row-major values and TF shape. */
  public record Tensor(float[] values, long[] shape) {
    public int size() {
      return values.length;
    }
  }

  private final String name;
  private final Map<String, Tensor> tensors;

  private FaceApiWeights(String name, Map<String, Tensor> tensors) {
    this.name = name;
    this.tensors = tensors;
  }

  /** Loads {@code dir/<model>-weights_manifest.json} and its shards from {@code dir}. */
  public static FaceApiWeights load(Path dir, String model) {
    Path manifest = dir.resolve(model + "-weights_manifest.json");
    if (!Files.isRegularFile(manifest)) {
      throw new IllegalArgumentException("Face network weights " + manifest + " not found: run scripts/setup (it fetches "
          + "npm @vladmandic/face-api into models/face-api) or set the faces analyser's modelDir");
    }
    try {
      JsonArray groups = JsonParser.parseString(Files.readString(manifest)).getAsJsonArray();
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (JsonElement g : groups) {
        JsonObject group = g.getAsJsonObject();
        ByteArrayOutputStream shards = new ByteArrayOutputStream();
        for (JsonElement p : group.getAsJsonArray("paths")) {
          shards.write(Files.readAllBytes(dir.resolve(p.getAsString())));
        }
        ByteBuffer buf = ByteBuffer.wrap(shards.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonElement w : group.getAsJsonArray("weights")) {
          decode(manifest, w.getAsJsonObject(), buf, out);
        }
        if (buf.hasRemaining()) {
          throw new IllegalArgumentException(manifest + ": " + buf.remaining() + " bytes of the shards are not described by the manifest");
        }
      }
      return new FaceApiWeights(model, out);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read face network weights " + manifest, e);
    }
  }

  private static void decode(Path manifest, JsonObject w, ByteBuffer buf, Map<String, Tensor> out) {
    String tensorName = w.get("name").getAsString();
    String dtype = w.get("dtype").getAsString();
    JsonArray dims = w.getAsJsonArray("shape");
    long[] shape = new long[dims.size()];
    int n = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = dims.get(i).getAsLong();
      n *= (int) shape[i];
    }
    float[] values = new float[n];
    JsonObject q = w.has("quantization") && !w.get("quantization").isJsonNull() ? w.getAsJsonObject("quantization") : null;
    if (buf.remaining() < (long) n * (q != null ? 1 : 4)) {
      throw new IllegalArgumentException(manifest + ": shards end inside tensor " + tensorName);
    }
    if (q != null) {
      String qtype = q.get("dtype").getAsString();
      if (!"uint8".equals(qtype)) {
        throw new IllegalArgumentException(manifest + ": tensor " + tensorName + " is quantised as " + qtype + "; only uint8 is supported");
      }
      double scale = q.get("scale").getAsDouble();
      double min = q.get("min").getAsDouble();
      for (int i = 0; i < n; i++) {
        double v = (buf.get() & 0xff) * scale + min;
        // TF.js rounds quantised int32 tensors; float ones keep the value (stored in a Float32Array).
        values[i] = "int32".equals(dtype) ? (float) Math.round(v) : (float) v;
      }
    } else if ("float32".equals(dtype)) {
      for (int i = 0; i < n; i++) {
        values[i] = buf.getFloat();
      }
    } else if ("int32".equals(dtype)) {
      for (int i = 0; i < n; i++) {
        values[i] = buf.getInt();
      }
    } else {
      throw new IllegalArgumentException(manifest + ": tensor " + tensorName + " has dtype " + dtype + "; face-api's are float32 or int32");
    }
    out.put(tensorName, new Tensor(values, shape));
  }

  /** The network's name, e.g. {@code ssd_mobilenetv1_model}. */
  public String name() {
    return name;
  }

  /** The tensor {@code tensorName}, checked to have {@code rank} dimensions. */
  public Tensor get(String tensorName, int rank) {
    Tensor t = tensors.get(tensorName);
    if (t == null) {
      throw new IllegalArgumentException("Face network " + name + " has no weight '" + tensorName + "'");
    }
    if (t.shape().length != rank) {
      throw new IllegalArgumentException("Face network " + name + ": weight '" + tensorName + "' has shape "
          + Arrays.toString(t.shape()) + ", expected rank " + rank);
    }
    return t;
  }

  /** How many tensors the manifest holds. */
  public int count() {
    return tensors.size();
  }
}

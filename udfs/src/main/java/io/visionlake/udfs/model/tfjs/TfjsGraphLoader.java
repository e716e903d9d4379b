package io.visionlake.udfs.model.tfjs;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Turns a TensorFlow.js graph model ({@code model.json} plus its {@code .bin} weight shards) into a
 * standard TensorFlow {@link GraphDef} that TensorFlow Java can import.
 *
 * <p>Three things differ from a frozen TensorFlow graph: the Const nodes in {@code modelTopology}
 * carry no values (the values are in the shards, in manifest order, possibly float16 or
 * uint8/uint16-quantised, and int64 constants stored as int32 since JavaScript has no int64); and
 * the TF.js converter fuses ops into forms TensorFlow's kernels do not accept
 * ({@code _FusedConv2D} without the {@code TArgs} attribute, {@code FusedDepthwiseConv2dNative},
 * which only TF.js defines, and {@code _FusedMatMul}), which are split back into the standard
 * ops they stand for.
 */
public final class TfjsGraphLoader {
  private TfjsGraphLoader() {}

  /** Reads {@code modelJson} and its shards (paths relative to its folder) into a GraphDef. */
  public static GraphDef load(Path modelJson) {
    JsonObject root;
    try (Reader in = Files.newBufferedReader(modelJson, StandardCharsets.UTF_8)) {
      root = JsonParser.parseReader(in).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read TF.js model " + modelJson, e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("TF.js model " + modelJson + " is not valid JSON: " + e.getMessage(), e);
    }
    if (!root.has("modelTopology") || !root.has("weightsManifest")) {
      throw new IllegalArgumentException("TF.js model " + modelJson
          + " has no 'modelTopology' and 'weightsManifest': only TF.js graph models (format graph-model) are supported, not layers models");
    }
    if (root.has("format") && !"graph-model".equals(root.get("format").getAsString())) {
      throw new IllegalArgumentException("TF.js model " + modelJson + " has format '" + root.get("format").getAsString()
          + "'; only 'graph-model' is supported (convert a layers model with tensorflowjs_converter --output_format tfjs_graph_model)");
    }
    GraphDef.Builder graph = GraphDef.newBuilder();
    try {
      JsonFormat.parser().ignoringUnknownFields().merge(root.get("modelTopology").toString(), graph);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("TF.js model " + modelJson + ": 'modelTopology' is not a TensorFlow GraphDef: " + e.getMessage(), e);
    }
    fillWeights(graph, root.getAsJsonArray("weightsManifest"), modelJson);
    return rewriteFusedOps(graph.build());
  }

  private static void fillWeights(GraphDef.Builder graph, JsonArray manifest, Path modelJson) {
    Map<String, Integer> nodeIndex = new HashMap<>();
    for (int i = 0; i < graph.getNodeCount(); i++) {
      nodeIndex.put(graph.getNode(i).getName(), i);
    }
    for (JsonElement groupEl : manifest) {
      JsonObject group = groupEl.getAsJsonObject();
      ByteBuffer data = readShards(group.getAsJsonArray("paths"), modelJson);
      for (JsonElement wEl : group.getAsJsonArray("weights")) {
        JsonObject w = wEl.getAsJsonObject();
        String name = w.get("name").getAsString();
        long[] shape = longs(w.getAsJsonArray("shape"));
        long count = 1;
        for (long d : shape) {
          count *= d;
        }
        Integer index = nodeIndex.get(name);
        if (index == null) {
          throw new IllegalArgumentException("TF.js model " + modelJson + ": weight '" + name + "' has no Const node in modelTopology");
        }
        NodeDef.Builder node = graph.getNodeBuilder(index);
        DataType nodeType = node.getAttrOrDefault("dtype", AttrValue.getDefaultInstance()).getType();
        TensorProto tensor = decode(w, (int) count, shape, nodeType, data, name, modelJson);
        node.putAttr("value", AttrValue.newBuilder().setTensor(tensor).build());
        node.putAttr("dtype", AttrValue.newBuilder().setType(tensor.getDtype()).build());
      }
      if (data.hasRemaining()) {
        throw new IllegalArgumentException("TF.js model " + modelJson + ": " + data.remaining()
            + " bytes of its weight shards are not described by the manifest (wrong or mixed-up .bin files?)");
      }
    }
  }

  private static ByteBuffer readShards(JsonArray paths, Path modelJson) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (JsonElement p : paths) {
      Path shard = modelJson.resolveSibling(p.getAsString());
      try {
        all.write(Files.readAllBytes(shard));
      } catch (IOException e) {
        throw new UncheckedIOException("TF.js model " + modelJson + ": cannot read weight shard " + shard
            + " (the .bin files must sit next to the model.json)", e);
      }
    }
    return ByteBuffer.wrap(all.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static TensorProto decode(JsonObject w, int count, long[] shape, DataType nodeType, ByteBuffer data, String name, Path modelJson) {
    String dtype = w.get("dtype").getAsString();
    JsonObject quant = w.has("quantization") ? w.getAsJsonObject("quantization") : null;
    TensorShapeProto.Builder shapeProto = TensorShapeProto.newBuilder();
    for (long d : shape) {
      shapeProto.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    requireBytes(data, count * (long) storedBytes(dtype, quant), name, modelJson);
    ByteBuffer out;
    DataType type;
    switch (dtype) {
      case "float32" -> {
        type = DataType.DT_FLOAT;
        out = ByteBuffer.allocate(4 * count).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
          out.putFloat(quant == null ? data.getFloat() : dequantize(quant, data, name, modelJson));
        }
      }
      case "int32" -> {
        if (quant != null) {
          throw new IllegalArgumentException("TF.js model " + modelJson + ": quantised int32 weight '" + name + "' is not supported");
        }
        // JavaScript has no int64: the converter stores int64 constants as int32; the graph still wants int64.
        boolean widen = nodeType == DataType.DT_INT64;
        type = widen ? DataType.DT_INT64 : DataType.DT_INT32;
        out = ByteBuffer.allocate((widen ? 8 : 4) * count).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
          int v = data.getInt();
          if (widen) {
            out.putLong(v);
          } else {
            out.putInt(v);
          }
        }
      }
      case "bool" -> {
        type = DataType.DT_BOOL;
        out = ByteBuffer.allocate(count);
        for (int i = 0; i < count; i++) {
          out.put(data.get() != 0 ? (byte) 1 : (byte) 0);
        }
      }
      default -> throw new IllegalArgumentException("TF.js model " + modelJson + ": weight '" + name + "' has dtype '" + dtype
          + "', which this loader does not read (float32, int32 and bool are supported)");
    }
    return TensorProto.newBuilder()
        .setDtype(type)
        .setTensorShape(shapeProto)
        .setTensorContent(ByteString.copyFrom(out.array()))
        .build();
  }

  private static int storedBytes(String dtype, JsonObject quant) {
    if (quant != null) {
      return switch (quant.get("dtype").getAsString()) {
        case "float16", "uint16" -> 2;
        case "uint8" -> 1;
        default -> throw new IllegalArgumentException("unsupported TF.js quantisation dtype '" + quant.get("dtype").getAsString() + "'");
      };
    }
    return "bool".equals(dtype) ? 1 : 4;
  }

  private static float dequantize(JsonObject quant, ByteBuffer data, String name, Path modelJson) {
    String q = quant.get("dtype").getAsString();
    if ("float16".equals(q)) {
      return halfToFloat(data.getShort());
    }
    if (quant.has("scale") && quant.has("min")) {
      float scale = quant.get("scale").getAsFloat();
      float min = quant.get("min").getAsFloat();
      int raw = "uint8".equals(q) ? Byte.toUnsignedInt(data.get()) : Short.toUnsignedInt(data.getShort());
      return min + scale * raw;
    }
    throw new IllegalArgumentException("TF.js model " + modelJson + ": weight '" + name + "' uses " + q
        + " quantisation without scale/min (lookup-table quantisation is not supported)");
  }

  private static void requireBytes(ByteBuffer data, long bytes, String name, Path modelJson) {
    if (data.remaining() < bytes) {
      throw new IllegalArgumentException("TF.js model " + modelJson + ": weight shards end before weight '" + name
          + "' (needs " + bytes + " bytes, " + data.remaining() + " left): truncated or wrong .bin file");
    }
  }

  /** IEEE 754 half precision to float (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      // Subnormal half: normalise into a float's exponent range.
      while ((mant & 0x400) == 0) {
        mant <<= 1;
        exp--;
      }
      exp++;
      mant &= 0x3ff;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  private static long[] longs(JsonArray a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsLong();
    }
    return out;
  }

  private static final Set<String> ACTIVATIONS = Set.of("Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh", "LeakyRelu");

  /**
   * Splits each TF.js fused op into its base op, a BiasAdd and an activation; the last op of the
   * chain keeps the fused node's name so every consumer and fetch still finds it.
   */
  static GraphDef rewriteFusedOps(GraphDef in) {
    GraphDef.Builder out = in.toBuilder().clearNode();
    for (NodeDef original : in.getNodeList()) {
      // The converter pins nodes to "/device:CPU:0"; TensorFlow places them itself (GPU when there is one).
      NodeDef node = original.toBuilder().clearDevice().build();
      String base = switch (node.getOp()) {
        case "_FusedConv2D" -> "Conv2D";
        case "FusedDepthwiseConv2dNative" -> "DepthwiseConv2dNative";
        case "_FusedMatMul" -> "MatMul";
        default -> null;
      };
      if (base == null) {
        out.addNode(node);
        continue;
      }
      List<String> fused = new ArrayList<>();
      node.getAttrOrDefault("fused_ops", AttrValue.getDefaultInstance()).getList().getSList()
          .forEach(s -> fused.add(s.toStringUtf8()));
      List<String> data = new ArrayList<>();
      List<String> control = new ArrayList<>();
      for (String input : node.getInputList()) {
        (input.startsWith("^") ? control : data).add(input);
      }
      boolean bias = !fused.isEmpty() && "BiasAdd".equals(fused.get(0));
      String activation = fused.size() > (bias ? 1 : 0) ? fused.get(bias ? 1 : 0) : null;
      if (fused.size() > (bias ? 1 : 0) + (activation == null ? 0 : 1) || (activation != null && !ACTIVATIONS.contains(activation))
          || data.size() != 2 + (bias ? 1 : 0)) {
        throw new IllegalArgumentException("TF.js graph node '" + node.getName() + "' (" + node.getOp() + ") fuses " + fused
            + " over " + data.size() + " inputs; only BiasAdd followed by one of " + ACTIVATIONS + " can be rewritten into standard ops");
      }
      boolean last = !bias && activation == null;
      NodeDef.Builder op = NodeDef.newBuilder().setName(last ? node.getName() : node.getName() + "/_tfjs_" + base)
          .setOp(base).addInput(data.get(0)).addInput(data.get(1)).addAllInput(control);
      for (String attr : base.equals("MatMul") ? List.of("T", "transpose_a", "transpose_b")
          : List.of("T", "strides", "padding", "data_format", "dilations", "explicit_paddings", "use_cudnn_on_gpu")) {
        if (node.containsAttr(attr) && !(base.equals("DepthwiseConv2dNative") && attr.equals("use_cudnn_on_gpu"))) {
          op.putAttr(attr, node.getAttrOrThrow(attr));
        }
      }
      out.addNode(op);
      String previous = op.getName();
      if (bias) {
        NodeDef.Builder add = NodeDef.newBuilder().setName(activation == null ? node.getName() : node.getName() + "/_tfjs_BiasAdd")
            .setOp("BiasAdd").addInput(previous).addInput(data.get(2)).putAttr("T", node.getAttrOrThrow("T"));
        if (node.containsAttr("data_format")) {
          add.putAttr("data_format", node.getAttrOrThrow("data_format"));
        }
        out.addNode(add);
        previous = add.getName();
      }
      if (activation != null) {
        NodeDef.Builder act = NodeDef.newBuilder().setName(node.getName()).setOp(activation).addInput(previous)
            .putAttr("T", node.getAttrOrThrow("T"));
        if ("LeakyRelu".equals(activation) && node.containsAttr("leakyrelu_alpha")) {
          act.putAttr("alpha", node.getAttrOrThrow("leakyrelu_alpha"));
        }
        out.addNode(act);
      }
    }
    return out.build();
  }
}

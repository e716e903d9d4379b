package io.visionlake.udfs.analyze.objects;

import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.model.tfjs.TfGraphModel;
import java.util.List;

/** Picks the {@link ObjectDetector} whose post-processing matches a spec's {@code output.detections.format}. */
public final class ObjectDetectors {
  private ObjectDetectors() {}

  /**
   * The detector for {@code spec}'s format, reading the tensors the spec names from {@code model}
   * (loaded from that spec).
   */
  public static ObjectDetector create(ModelSpec spec, TfGraphModel model, DetectorSettings settings) {
    if (!spec.hasDetections()) {
      throw new IllegalArgumentException("Model '" + spec.name() + "' is not an object detector: its spec sets no "
          + "'output.detections' (use a spec such as conf/models/centernet.properties or nanodet.properties)");
    }
    List<String> outputs = spec.detectionsOutputs();
    return switch (spec.detectionsFormat()) {
      case CENTERNET -> {
        requireSquare(spec);
        yield new CenterNetDetector(model, settings, spec.inputName(), outputs.get(0), spec.inputWidth());
      }
      case NANODET -> {
        requireSquare(spec);
        yield new NanoDetDetector(model, settings, spec.inputName(), outputs, spec.inputWidth());
      }
    };
  }

  private static void requireSquare(ModelSpec spec) {
    if (spec.inputWidth() != spec.inputHeight()) {
      throw new IllegalArgumentException("Model '" + spec.name() + "': 'output.detections.format' " + spec.detectionsFormat().key()
          + " takes a square input, but 'input.width' x 'input.height' is " + spec.inputWidth() + "x" + spec.inputHeight()
          + ": set both to the graph's input size");
    }
  }
}

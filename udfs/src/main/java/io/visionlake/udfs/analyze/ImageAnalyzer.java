package io.visionlake.udfs.analyze;

import java.util.List;
import org.apache.spark.sql.types.StructField;
import org.opencv.core.Mat;

/**
 * One per-frame analysis (people detection, face detection, ...) on decoded BGR pixels. The
 * partitioned inference path decodes each image once and hands the same pixels to every requested
 * analyser. One instance per partition (not thread-safe, never serialised); heavy state such as
 * detector weights comes from {@link AnalyzerCache}. Instances are made by {@link AnalyzerSpec}
 * through a public {@code (Map<String, String> options)} constructor, so a new analyser is a class
 * plus a configuration entry ({@code spark.visionlake.analyzer.<name>.class}).
 */
public interface ImageAnalyzer extends AutoCloseable {
  /** The analyser's registered name, e.g. {@code people}. */
  String name();

  /** A short version of its weights and settings, recorded with each row ({@code model_versions}). */
  String version();

  /** The columns it adds, in the order of the values {@link #analyze} returns per image. */
  List<StructField> fields();

  /**
   * Smallest decoded size it works on, {width, height}; {0, 0} asks for full resolution. The
   * decoder may reduce JPEGs by 2, 4 or 8 while staying above every analyser's minimum.
   */
  default int[] minDecodeSize() {
    return new int[] {0, 0};
  }

  /**
   * Values of {@link #fields()} for each image (same order as {@code images}).
   *
   * @param images decoded CV_8UC3 BGR pixels, not to be released by the analyser
   * @param reductions per image, how much smaller the pixels are than the original (1, 2, 4 or 8);
   *     boxes are reported in original-image pixels
   */
  List<Object[]> analyze(List<Mat> images, int[] reductions);

  @Override
  default void close() {}
}

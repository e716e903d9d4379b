package io.visionlake.udfs.inference;

import java.io.Serializable;

/**
 * The outcome for one image: either its metadata and model outputs, or the stage that failed and
 * why. A bad image is a value, never an exception, so it becomes a quarantine row instead of a
 * failed task.
 */
public final class ImageResult implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String STAGE_READ = "read";
  public static final String STAGE_DECODE = "decode";
  public static final String STAGE_INFER = "infer";

  private final String format;
  private final int width;
  private final int height;
  private final String[] topLabels;
  private final float[] topScores;
  private final float[] embedding;
  private final String errorStage;
  private final String errorClass;
  private final String errorMessage;
  private final Object[] analysis;

  private ImageResult(String format, int width, int height, String[] topLabels, float[] topScores, float[] embedding,
      String errorStage, String errorClass, String errorMessage) {
    this(format, width, height, topLabels, topScores, embedding, errorStage, errorClass, errorMessage, null);
  }

  private ImageResult(String format, int width, int height, String[] topLabels, float[] topScores, float[] embedding,
      String errorStage, String errorClass, String errorMessage, Object[] analysis) {
    this.format = format;
    this.width = width;
    this.height = height;
    this.topLabels = topLabels;
    this.topScores = topScores;
    this.embedding = embedding;
    this.errorStage = errorStage;
    this.errorClass = errorClass;
    this.errorMessage = errorMessage;
    this.analysis = analysis;
  }

  /** This result with the values of the analysers added (their fields, in the runner's order). */
  public ImageResult withAnalysis(Object[] values) {
    return new ImageResult(format, width, height, topLabels, topScores, embedding, errorStage, errorClass, errorMessage, values);
  }

  /**
   * Values of the requested analysers' fields, flattened in request order (see {@code
   * ImageInferenceRunner#analysisFields()}), or null when no analyser ran.
   */
  public Object[] analysis() {
    return analysis;
  }

  public static ImageResult success(String format, int width, int height, String[] topLabels, float[] topScores, float[] embedding) {
    return new ImageResult(format, width, height, topLabels, topScores, embedding, null, null, null);
  }

  public static ImageResult failure(String stage, String errorClass, String message) {
    return new ImageResult(null, 0, 0, null, null, null, stage, errorClass, message);
  }

  public boolean isSuccess() {
    return errorStage == null;
  }

  public String format() {
    return format;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** Labels by descending score (top-k of the spec), or null when the model has no class output. */
  public String[] topLabels() {
    return topLabels;
  }

  public float[] topScores() {
    return topScores;
  }

  public float[] embedding() {
    return embedding;
  }

  public String errorStage() {
    return errorStage;
  }

  public String errorClass() {
    return errorClass;
  }

  public String errorMessage() {
    return errorMessage;
  }

  @Override
  public String toString() {
    return isSuccess()
        ? "ImageResult{" + format + " " + width + "x" + height + (topLabels != null && topLabels.length > 0 ? " " + topLabels[0] + "=" + topScores[0] : "") + "}"
        : "ImageResult{" + errorStage + ":" + errorClass + " " + errorMessage + "}";
  }
}

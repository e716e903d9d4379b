package io.visionlake.udfs.analyze.faces;

/**
 * One face as face-api.js's {@code detectAllFaces(...).withFaceLandmarks().withFaceDescriptors()}
 * reports it, in the pixels of the image it ran on: the detector's box (not rounded) and score, the
 * 68 landmarks ({@code x0, y0, x1, y1, ...}), the box the descriptor was computed on (face-api's
 * dlib alignment) and the 128-float descriptor (null when descriptors were not asked for).
 */
public record Face(double x, double y, double width, double height, float score, float[] landmarks, int[] alignedBox,
    float[] descriptor) {
  public static final int LANDMARKS = 68;
}

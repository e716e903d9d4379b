package io.visionlake.udfs.analyze.objects;

/** One detected object: its COCO label, score and box in the original image's pixels. */
public record Detection(String label, int classIndex, float score, int x, int y, int w, int h) {}

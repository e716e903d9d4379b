package io.visionlake.udfs.analyze;

import io.visionlake.udfs.analyze.objects.Detection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.opencv.core.Mat;

/**
 * {@code people}: the {@code person} class of the COCO object detector ({@link ObjectsAnalyzer},
 * with all its options under {@code spark.visionlake.analyzer.people.*} and {@code classes} fixed
 * to {@code person}). Adds {@code people} (int, persons kept) and {@code people_boxes}, the columns
 * the HOG detector wrote before, so tables, flows and renders keep their shape; the HOG detector
 * stays selectable as {@code people-hog} ({@link HogPeopleAnalyzer}).
 */
public final class PeopleAnalyzer extends NamedAnalyzer {
  public static final String NAME = "people";

  private final ObjectsAnalyzer objects;

  public PeopleAnalyzer(String name, Map<String, String> options) {
    super(name);
    Map<String, String> personOnly = new HashMap<>(options);
    String classes = personOnly.put("classes", "person");
    if (classes != null && !classes.isBlank() && !classes.trim().equals("person")) {
      throw new IllegalArgumentException("Setting " + Analyzers.PREFIX + name + ".classes: the people analyser keeps "
          + "persons only; use the objects analyser for other classes");
    }
    this.objects = new ObjectsAnalyzer(name, personOnly);
  }

  public PeopleAnalyzer(Map<String, String> options) {
    this(NAME, options);
  }

  @Override
  public String version() {
    return objects.version();
  }

  @Override
  public List<StructField> fields() {
    return List.of(DataTypes.createStructField(name, DataTypes.IntegerType, true),
        DataTypes.createStructField(name + "_boxes", Boxes.TYPE, true));
  }

  @Override
  public int[] minDecodeSize() {
    return objects.minDecodeSize();
  }

  @Override
  public List<Object[]> analyze(List<Mat> images, int[] reductions) {
    return Boxes.countsAndBoxes(images, reductions, this::detect);
  }

  /** Persons in original-image pixels, best first. */
  public List<Boxes.Box> detect(Mat bgr, int reduction) {
    List<Boxes.Box> out = new ArrayList<>();
    for (Detection d : objects.detect(bgr, reduction)) {
      out.add(new Boxes.Box(d.x(), d.y(), d.w(), d.h(), d.score()));
    }
    return out;
  }
}

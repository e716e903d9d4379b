package io.visionlake.udfs.spark;

import io.visionlake.udfs.analyze.AnalyzerSpec;
import io.visionlake.udfs.analyze.Analyzers;
import io.visionlake.udfs.analyze.OcrAnalyzer;
import io.visionlake.udfs.image.DecodeOptions;
import io.visionlake.udfs.inference.ImageInferenceRunner;
import io.visionlake.udfs.inference.ImageResult;
import io.visionlake.udfs.model.ModelCatalog;
import io.visionlake.udfs.model.ModelSpec;
import io.visionlake.udfs.image.ImageDecodeException;
import io.visionlake.udfs.image.ImageDecoder;
import io.visionlake.udfs.render.AnnotatedRender;
import io.visionlake.udfs.render.RenderBox;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;
import scala.jdk.javaapi.CollectionConverters;

/**
 * SQL functions on the same inference path as the jobs:
 *
 * <ul>
 *   <li>{@code classify_image(content binary) -> array<struct<label string, score float>>}
 *   <li>{@code embed_image(content binary) -> array<float>}
 *   <li>{@code ocr_text(content binary) -> string}: the {@code ocr} analyser's text (lines in
 *       reading order, joined by newlines; empty when the image has no text), configured by the
 *       session's {@code spark.visionlake.analyzer.ocr.*} settings
 *   <li>{@code render_boxes(image binary|string, boxes array<struct<x,y,w,h,...>>) -> binary}: the
 *       image (its bytes, or a path read through the session's Hadoop configuration) as a JPEG
 *       with the stored boxes drawn on it, captioned by each box's {@code label} or {@code text}
 *       and {@code score} ({@link RenderBox#fromRows}); no inference
 * </ul>
 *
 * All return null for bytes that are not a decodable image. SQL scalar functions see one row at a
 * time, so they run batches of one; for bulk scoring use the batch job or the Transformers, which
 * batch. The model still loads once per executor JVM and each task thread reuses one predictor,
 * closed when the task ends.
 */
public final class VisionFunctions {
  private VisionFunctions() {}

  /** Registers both functions with the given models (names in conf/models or spec paths). */
  public static void register(SparkSession spark, String classifierModel, String embedderModel) {
    ModelCatalog catalog = ModelCatalog.fromEnvironment();
    ModelSpec classifier = catalog.resolve(classifierModel);
    ModelSpec embedder = catalog.resolve(embedderModel);
    spark.udf().register("classify_image", modelUdf(classifier, ImageColumns::labels), ImageColumns.LABELS_TYPE);
    spark.udf().register("embed_image", modelUdf(embedder, ImageColumns::embedding), ImageColumns.EMBEDDING_TYPE);
    // Models load lazily on executors; resolving here only reads the session's analyser settings.
    AnalyzerSpec ocr = Analyzers.resolve(OcrAnalyzer.NAME, CollectionConverters.asJava(spark.conf().getAll()));
    spark.udf().register("ocr_text", analyzerUdf(ocr, 0), DataTypes.StringType);
    spark.udf().register("render_boxes", new RenderBoxesUdf(new SerializableConfiguration(spark.sessionState().newHadoopConf())),
        DataTypes.BinaryType);
  }

  /** Registers both with the default model. */
  public static void register(SparkSession spark) {
    register(spark, "fashion-cnn", "fashion-cnn");
  }

  private static <R> RunnerUdf<R> modelUdf(ModelSpec model, SerializableFunction<ImageResult, R> output) {
    ModelSpec spec = model.toBuilder().optBatchSize(1).build();
    return new RunnerUdf<>(() -> new ImageInferenceRunner(spec, DecodeOptions.defaults(), Math.max(1, spec.threads())), output);
  }

  /** One analyser field of one image (analysers only, no model). */
  private static RunnerUdf<Object> analyzerUdf(AnalyzerSpec spec, int field) {
    return new RunnerUdf<>(() -> new ImageInferenceRunner(null, List.of(spec), DecodeOptions.defaults(), 1, 1),
        result -> result.analysis() != null ? result.analysis()[field] : null);
  }

  /**
   * A function of one image's {@link ImageResult}, null for bytes that are not an image. Each task
   * thread builds one runner (batches of one) and closes it when its task ends.
   */
  private static final class RunnerUdf<R> implements UDF1<byte[], R> {
    private static final long serialVersionUID = 1L;

    private final SerializableSupplier<ImageInferenceRunner> newRunner;
    private final SerializableFunction<ImageResult, R> output;
    private transient ThreadLocal<ImageInferenceRunner> runners;

    RunnerUdf(SerializableSupplier<ImageInferenceRunner> newRunner, SerializableFunction<ImageResult, R> output) {
      this.newRunner = newRunner;
      this.output = output;
    }

    @Override
    public R call(byte[] content) {
      if (content == null) {
        return null;
      }
      ImageResult result = runner().infer(List.of(content)).get(0);
      return result.isSuccess() ? output.apply(result) : null;
    }

    private ImageInferenceRunner runner() {
      if (runners == null) {
        runners = new ThreadLocal<>();
      }
      ImageInferenceRunner runner = runners.get();
      if (runner == null) {
        ImageInferenceRunner created = newRunner.get();
        runners.set(created);
        TaskContext task = TaskContext.get();
        if (task != null) {
          ThreadLocal<ImageInferenceRunner> owner = runners;
          task.addTaskCompletionListener((TaskCompletionListener) ctx -> {
            created.close();
            owner.remove();
          });
        }
        runner = created;
      }
      return runner;
    }
  }

  /**
   * {@code render_boxes}: decoded by the one decoder, drawn by {@link AnnotatedRender}; null for a
   * null image or one that cannot be read or decoded, like the other functions.
   */
  private static final class RenderBoxesUdf implements UDF2<Object, Object, byte[]> {
    private static final long serialVersionUID = 1L;
    private static final ImageDecoder DECODER = new ImageDecoder();

    private final SerializableConfiguration hadoopConf;

    RenderBoxesUdf(SerializableConfiguration hadoopConf) {
      this.hadoopConf = hadoopConf;
    }

    @Override
    public byte[] call(Object image, Object boxes) throws IOException {
      byte[] bytes;
      if (image == null) {
        return null;
      } else if (image instanceof byte[]) {
        bytes = (byte[]) image;
      } else if (image instanceof String) {
        Path path = hadoopPath((String) image);
        try (InputStream in = path.getFileSystem(hadoopConf.value()).open(path)) {
          bytes = in.readAllBytes();
        } catch (java.io.FileNotFoundException e) {
          return null;
        }
      } else {
        throw new IllegalArgumentException("render_boxes takes the image as binary content or a string path, got "
            + image.getClass().getSimpleName());
      }
      try {
        return AnnotatedRender.jpeg(DECODER, bytes, RenderBox.fromRows(rows(boxes), null));
      } catch (ImageDecodeException e) {
        return null;
      }
    }

    /** A stored path: a plain path, or a percent-encoded file:/// URI as the jobs write for odd names. */
    private static Path hadoopPath(String path) {
      if (path.startsWith("file:///")) {
        try {
          return new Path(new java.net.URI(path));
        } catch (java.net.URISyntaxException e) {
          // not percent-encoded: a literal name
        }
      }
      return new Path(path);
    }

    @SuppressWarnings("unchecked")
    private static Iterable<Row> rows(Object boxes) {
      if (boxes == null) {
        return List.of();
      }
      if (boxes instanceof scala.collection.Seq) {
        return CollectionConverters.asJava((scala.collection.Seq<Row>) boxes);
      }
      if (boxes instanceof Iterable) {
        return (Iterable<Row>) boxes;
      }
      throw new IllegalArgumentException("render_boxes takes the boxes as an array of structs with x, y, w, h, got "
          + boxes.getClass().getSimpleName());
    }
  }

  private interface SerializableSupplier<T> extends Supplier<T>, Serializable {}

  private interface SerializableFunction<T, R> extends Function<T, R>, Serializable {}
}

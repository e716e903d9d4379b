package io.visionlake.bench;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.visionlake.udfs.model.ColorOrder;
import io.visionlake.udfs.model.ModelArchitectures;
import io.visionlake.udfs.model.ModelFiles;
import io.visionlake.udfs.model.ModelSpec;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.spark.sql.api.java.UDF1;

/**
 * The baseline of scripts/bench: what a hurried user writes. A row-at-a-time Spark UDF that loads
 * the model lazily at its call site, decodes with DJL's default ImageIO path at full resolution,
 * runs one image per predict call with a fresh predictor, and leaves engine threads at their
 * default (all cores per op, shared by concurrent tasks). Not used by any job.
 */
public final class NaiveUdf implements UDF1<byte[], String> {
  private static final long serialVersionUID = 1L;
  private static final java.util.Map<ModelSpec, ZooModel<Image, String>> MODELS = new java.util.HashMap<>();

  private final ModelSpec spec;

  NaiveUdf(ModelSpec spec) {
    this.spec = spec;
  }

  @Override
  public String call(byte[] content) throws Exception {
    try (Predictor<Image, String> predictor = model(spec).newPredictor()) {
      return predictor.predict(ImageFactory.getInstance().fromInputStream(new ByteArrayInputStream(content)));
    }
  }

  private static synchronized ZooModel<Image, String> model(ModelSpec spec) throws Exception {
    ZooModel<Image, String> model = MODELS.get(spec);
    if (model == null) {
      ai.djl.pytorch.jni.JniUtils.setNumThreads(Runtime.getRuntime().availableProcessors());
      Path file = Paths.get(spec.modelUri());
      List<String> labels = ModelFiles.readLabels(Paths.get(spec.labelsUri()));
      String name = file.getFileName().toString().replaceFirst("-\\d{4}\\.params$", "");
      model = Criteria.builder().setTypes(Image.class, String.class).optEngine(spec.engine())
          .optModelPath(file.getParent()).optModelName(name).optBlock(ModelArchitectures.newBlock(spec.block()))
          .optTranslator(new Translator(spec, labels)).build().loadModel();
      MODELS.put(spec, model);
    }
    return model;
  }

  /** Per-image DJL translator, the textbook way: Image → NDArray → resize → tensor → normalise. */
  private static final class Translator implements NoBatchifyTranslator<Image, String> {
    private final ModelSpec spec;
    private final List<String> labels;

    Translator(ModelSpec spec, List<String> labels) {
      this.spec = spec;
      this.labels = labels;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Image input) {
      Image.Flag flag = spec.colorOrder() == ColorOrder.GRAY ? Image.Flag.GRAYSCALE : Image.Flag.COLOR;
      NDArray array = input.toNDArray(ctx.getNDManager(), flag);
      array = NDImageUtils.resize(array, spec.inputWidth(), spec.inputHeight());
      array = NDImageUtils.toTensor(array);
      int c = spec.colorOrder().channels();
      array = array.sub(ctx.getNDManager().create(spec.mean()).reshape(c, 1, 1))
          .div(ctx.getNDManager().create(spec.std()).reshape(c, 1, 1));
      return new NDList(array.expandDims(0));
    }

    @Override
    public String processOutput(TranslatorContext ctx, NDList list) {
      return labels.get((int) list.get(0).argMax().getLong());
    }
  }
}

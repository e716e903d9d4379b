package io.visionlake.udfs.analyze.faces;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * face-api.js's pipeline {@code detectAllFaces(image, new SsdMobilenetv1Options({minConfidence,
 * maxResults})).withFaceLandmarks().withFaceDescriptors()} on TensorFlow Java: SSD detection, the
 * detector's box cropped ({@code extractFaceTensors}) and run through the 68-landmark net, face-api's
 * dlib-style aligned box from the eyes and mouth ({@code FaceLandmarks.align}), that box cropped and
 * run through the recognition net. The box arithmetic (rounding, clipping, padding) follows
 * face-api's own, so results match it on the same pixels. Images of one call share a detector
 * batch and their faces share landmark and descriptor batches. Thread-safe (TensorFlow sessions
 * are); load once per JVM.
 */
public final class FaceApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FaceApi.class);
  /** Images per detector run (a 512x512 input is 3 MB of floats). */
  private static final int DETECT_BATCH = 4;
  /** Faces per landmark / descriptor run. */
  private static final int FACE_BATCH = 16;
  // FaceLandmarks.alignDlib's constants.
  private static final double REL_X = 0.5;
  private static final double REL_Y = 0.43;
  private static final double REL_SCALE = 0.45;

  private final SsdMobilenetV1 detector;
  private final FaceLandmark68Net landmarkNet;
  private final FaceRecognitionNet recognitionNet;

  private FaceApi(SsdMobilenetV1 detector, FaceLandmark68Net landmarkNet, FaceRecognitionNet recognitionNet) {
    this.detector = detector;
    this.landmarkNet = landmarkNet;
    this.recognitionNet = recognitionNet;
  }

  /** Builds the three networks from the weights in {@code dir} (scripts/setup's models/face-api). */
  public static FaceApi load(Path dir, int threads) {
    long start = System.nanoTime();
    SsdMobilenetV1 ssd = SsdMobilenetV1.create(FaceApiWeights.load(dir, SsdMobilenetV1.MODEL), threads);
    FaceLandmark68Net lm = null;
    try {
      lm = FaceLandmark68Net.create(FaceApiWeights.load(dir, FaceLandmark68Net.MODEL), threads);
      FaceRecognitionNet rec = FaceRecognitionNet.create(FaceApiWeights.load(dir, FaceRecognitionNet.MODEL), threads);
      LOG.info("Built face-api's face networks from {} in {} ms ({} intra-op thread(s))", dir, (System.nanoTime() - start) / 1_000_000, threads);
      return new FaceApi(ssd, lm, rec);
    } catch (RuntimeException | Error e) {
      ssd.close();
      if (lm != null) {
        lm.close();
      }
      throw e;
    }
  }

  /** The detector alone: boxes and scores per image, best first. */
  public List<List<SsdMobilenetV1.Detection>> detect(List<RgbImage> images, float minConfidence, int maxResults) {
    List<List<SsdMobilenetV1.Detection>> out = new ArrayList<>(images.size());
    for (int from = 0; from < images.size(); from += DETECT_BATCH) {
      List<RgbImage> chunk = images.subList(from, Math.min(images.size(), from + DETECT_BATCH));
      out.addAll(detector.detect(ssdBatch(chunk), chunk, minConfidence, maxResults));
    }
    return out;
  }

  /** The 512x512 detector batch of {@code images} (padded at the bottom or right, as face-api's SSD input). */
  static float[] ssdBatch(List<RgbImage> images) {
    int size = SsdMobilenetV1.INPUT_SIZE;
    float[] batch = new float[images.size() * size * size * 3];
    for (int i = 0; i < images.size(); i++) {
      RgbImage im = images.get(i);
      NetInput.write(im, 0, 0, im.width(), im.height(), false, size, batch, i * size * size * 3);
    }
    return batch;
  }

  /**
   * Faces with landmarks, and descriptors when {@code descriptors}, per image, in the detector's
   * order (best first).
   */
  public List<List<Face>> detectAll(List<RgbImage> images, float minConfidence, int maxResults, boolean descriptors) {
    List<List<SsdMobilenetV1.Detection>> detections = detect(images, minConfidence, maxResults);
    List<Pending> faces = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      RgbImage im = images.get(i);
      for (SsdMobilenetV1.Detection d : detections.get(i)) {
        // extractFaceTensors: detection.forSize(w, h).box (relative and back), clipped, floored.
        double rx = d.x() * (1.0 / im.width()) * im.width();
        double ry = d.y() * (1.0 / im.height()) * im.height();
        double rw = d.width() * (1.0 / im.width()) * im.width();
        double rh = d.height() * (1.0 / im.height()) * im.height();
        int[] crop = clip(rx, ry, rw, rh, im.width(), im.height());
        if (crop != null) {
          faces.add(new Pending(i, d, crop));
        }
      }
    }
    landmarks(images, faces);
    if (descriptors) {
      descriptors(images, faces);
    }
    List<List<Face>> out = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      out.add(new ArrayList<>());
    }
    for (Pending p : faces) {
      SsdMobilenetV1.Detection d = p.detection;
      float[] landmarks = new float[p.landmarks.length];
      for (int k = 0; k < landmarks.length; k++) {
        landmarks[k] = (float) p.landmarks[k];
      }
      out.get(p.image).add(new Face(d.x(), d.y(), d.width(), d.height(), d.score(), landmarks, p.aligned, p.descriptor));
    }
    return out;
  }

  /** A face on its way through the pipeline. */
  private static final class Pending {
    final int image;
    final SsdMobilenetV1.Detection detection;
    final int[] crop;
    double[] landmarks;
    int[] aligned;
    float[] descriptor;

    Pending(int image, SsdMobilenetV1.Detection detection, int[] crop) {
      this.image = image;
      this.detection = detection;
      this.crop = crop;
    }
  }

  private void landmarks(List<RgbImage> images, List<Pending> faces) {
    int size = FaceLandmark68Net.INPUT_SIZE;
    int per = size * size * 3;
    for (int from = 0; from < faces.size(); from += FACE_BATCH) {
      List<Pending> chunk = faces.subList(from, Math.min(faces.size(), from + FACE_BATCH));
      float[] batch = new float[chunk.size() * per];
      for (int k = 0; k < chunk.size(); k++) {
        int[] c = chunk.get(k).crop;
        NetInput.write(images.get(chunk.get(k).image), c[0], c[1], c[2], c[3], true, size, batch, k * per);
      }
      float[] out = landmarkNet.run(batch, chunk.size());
      for (int k = 0; k < chunk.size(); k++) {
        Pending p = chunk.get(k);
        p.landmarks = toImage(out, k * 2 * Face.LANDMARKS, p.crop[2], p.crop[3], p.detection);
        p.aligned = alignDlib(p.landmarks, p.crop[2], p.crop[3], images.get(p.image));
      }
    }
  }

  /**
   * FaceLandmark68NetBase.postProcess (undo the centred padding, relative to the crop) and then
   * face-api's shift by the detection box's corner: landmarks in image pixels.
   */
  static double[] toImage(float[] out, int offset, int cropWidth, int cropHeight, SsdMobilenetV1.Detection d) {
    int size = FaceLandmark68Net.INPUT_SIZE;
    double scale = (double) size / Math.max(cropHeight, cropWidth);
    float w = (float) (cropWidth * scale);
    float h = (float) (cropHeight * scale);
    float padX = w < h ? Math.abs(w - h) / 2 : 0;
    float padY = h < w ? Math.abs(w - h) / 2 : 0;
    double[] points = new double[2 * Face.LANDMARKS];
    for (int i = 0; i < Face.LANDMARKS; i++) {
      float rx = (out[offset + 2 * i] * size - padX) / w;
      float ry = (out[offset + 2 * i + 1] * size - padY) / h;
      points[2 * i] = rx * (double) cropWidth + d.x();
      points[2 * i + 1] = ry * (double) cropHeight + d.y();
    }
    return points;
  }

  /**
   * FaceLandmarks.alignDlib: a square of side (mean eye-to-mouth distance) / 0.45 around the centre
   * of eyes and mouth; its width and height are capped by face-api at the landmark crop's size plus
   * the corner. Then clipped to the image as extractFaceTensors does; null when empty.
   */
  static int[] alignDlib(double[] points, int cropWidth, int cropHeight, RgbImage image) {
    double[] leftEye = centre(points, 36, 42);
    double[] rightEye = centre(points, 42, 48);
    double[] mouth = centre(points, 48, 68);
    double dist = (Math.hypot(mouth[0] - leftEye[0], mouth[1] - leftEye[1]) + Math.hypot(mouth[0] - rightEye[0], mouth[1] - rightEye[1])) / 2;
    double size = Math.floor(dist / REL_SCALE);
    double refX = (leftEye[0] + rightEye[0] + mouth[0]) / 3;
    double refY = (leftEye[1] + rightEye[1] + mouth[1]) / 3;
    double x = Math.floor(Math.max(0, refX - REL_X * size));
    double y = Math.floor(Math.max(0, refY - REL_Y * size));
    return clip(x, y, Math.min(size, cropWidth + x), Math.min(size, cropHeight + y), image.width(), image.height());
  }

  private static double[] centre(double[] points, int from, int to) {
    double sx = 0;
    double sy = 0;
    for (int i = from; i < to; i++) {
      sx += points[2 * i];
      sy += points[2 * i + 1];
    }
    return new double[] {sx / (to - from), sy / (to - from)};
  }

  /** Box.clipAtImageBorders, floored: {x, y, w, h}, or null when nothing of it is inside the image. */
  static int[] clip(double x, double y, double w, double h, int imageWidth, int imageHeight) {
    double cx = Math.max(x, 0);
    double cy = Math.max(y, 0);
    double cw = Math.min(x + w - cx, imageWidth - cx);
    double ch = Math.min(y + h - cy, imageHeight - cy);
    int[] box = {(int) Math.floor(cx), (int) Math.floor(cy), (int) Math.floor(cw), (int) Math.floor(ch)};
    return box[2] > 0 && box[3] > 0 ? box : null;
  }

  private void descriptors(List<RgbImage> images, List<Pending> faces) {
    int size = FaceRecognitionNet.INPUT_SIZE;
    int per = size * size * 3;
    List<Pending> aligned = faces.stream().filter(p -> p.aligned != null).toList();
    for (int from = 0; from < aligned.size(); from += FACE_BATCH) {
      List<Pending> chunk = aligned.subList(from, Math.min(aligned.size(), from + FACE_BATCH));
      float[] batch = new float[chunk.size() * per];
      for (int k = 0; k < chunk.size(); k++) {
        int[] a = chunk.get(k).aligned;
        NetInput.write(images.get(chunk.get(k).image), a[0], a[1], a[2], a[3], true, size, batch, k * per);
      }
      float[] out = recognitionNet.run(batch, chunk.size());
      int d = FaceRecognitionNet.DESCRIPTOR_SIZE;
      for (int k = 0; k < chunk.size(); k++) {
        float[] descriptor = new float[d];
        System.arraycopy(out, k * d, descriptor, 0, d);
        chunk.get(k).descriptor = descriptor;
      }
    }
  }

  @Override
  public void close() {
    detector.close();
    landmarkNet.close();
    recognitionNet.close();
  }
}

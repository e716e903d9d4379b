package io.visionlake.udfs.render;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/** The step from the decoder's BGR Mat to Java2D: resize in OpenCV, one byte copy, no colour conversion. */
final class Pixels {
  private Pixels() {}

  /**
   * {@code mat} (CV_8UC3, BGR) scaled to fit {@code maxW} x {@code maxH} as a {@link
   * BufferedImage#TYPE_3BYTE_BGR}, whose bytes have the Mat's order; enlarged only when {@code
   * enlarge} (a 28 px image on a sheet). INTER_AREA when shrinking: the filter that does not alias
   * on thumbnails; INTER_LINEAR when enlarging.
   */
  static BufferedImage fit(Mat mat, int maxW, int maxH, boolean enlarge) {
    double f = Math.min((double) maxW / mat.cols(), (double) maxH / mat.rows());
    if (!enlarge) {
      f = Math.min(1.0, f);
    }
    int w = Math.max(1, (int) Math.round(mat.cols() * f));
    int h = Math.max(1, (int) Math.round(mat.rows() * f));
    if (w == mat.cols() && h == mat.rows()) {
      return toImage(mat);
    }
    Mat small = new Mat();
    try {
      Imgproc.resize(mat, small, new Size(w, h), 0, 0, f < 1.0 ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR);
      return toImage(small);
    } finally {
      small.release();
    }
  }

  static BufferedImage toImage(Mat mat) {
    if (mat.type() != CvType.CV_8UC3) {
      throw new IllegalArgumentException("expected a CV_8UC3 BGR Mat, got type " + mat.type());
    }
    BufferedImage img = new BufferedImage(mat.cols(), mat.rows(), BufferedImage.TYPE_3BYTE_BGR);
    byte[] data = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    Mat continuous = mat.isContinuous() ? mat : mat.clone();
    try {
      continuous.get(0, 0, data);
    } finally {
      if (continuous != mat) {
        continuous.release();
      }
    }
    return img;
  }
}

package io.visionlake.udfs.analyze.ocr;

import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint2f;
import org.opencv.core.Point;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Cuts one text line out of the image, straightened: a perspective warp of the box's four corners
 * onto an upright rectangle (PaddleOCR's {@code get_rotate_crop_image}). A crop at least 1.5 times
 * taller than wide is taken to be vertical text and turned 90 degrees counter-clockwise, so the
 * recogniser always reads left to right.
 */
public final class TextLineCropper {
  private TextLineCropper() {}

  /** A new Mat the caller releases. */
  public static Mat crop(Mat bgr, TextBox box) {
    Point[] p = box.corners();
    int width = (int) Math.max(1, Math.max(dist(p[0], p[1]), dist(p[2], p[3])));
    int height = (int) Math.max(1, Math.max(dist(p[0], p[3]), dist(p[1], p[2])));
    MatOfPoint2f from = new MatOfPoint2f(p);
    MatOfPoint2f to = new MatOfPoint2f(new Point(0, 0), new Point(width, 0), new Point(width, height), new Point(0, height));
    Mat transform = Imgproc.getPerspectiveTransform(from, to);
    Mat out = new Mat();
    try {
      Imgproc.warpPerspective(bgr, out, transform, new Size(width, height), Imgproc.INTER_CUBIC, Core.BORDER_REPLICATE);
      if (height >= 1.5 * width) {
        Mat turned = new Mat();
        Core.rotate(out, turned, Core.ROTATE_90_COUNTERCLOCKWISE);
        out.release();
        return turned;
      }
      return out;
    } finally {
      from.release();
      to.release();
      transform.release();
    }
  }

  private static double dist(Point a, Point b) {
    return Math.hypot(a.x - b.x, a.y - b.y);
  }
}

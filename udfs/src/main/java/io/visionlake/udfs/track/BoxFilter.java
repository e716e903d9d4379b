package io.visionlake.udfs.track;

/**
 * Constant-velocity Kalman filter on a box (centre x, centre y, width, height), as in SORT/ByteTrack.
 * The four coordinates have diagonal noise, so the 8-state filter splits exactly into four 2-state
 * filters (position, velocity) and is written that way. Time is the capture time in seconds, not a
 * frame count, because cameras drop frames and run at different rates. Noise scales with the box
 * height, as in ByteTrack, so near and far objects are treated alike.
 */
final class BoxFilter {

  /** Measurement standard deviation: a twentieth of the box height (ByteTrack's choice). */
  private static final double MEASURE_STD = 0.05;
  /** Random acceleration: one box height per second squared (people and cars change pace slowly). */
  private static final double ACCEL_STD = 1.0;
  /** Initial velocity uncertainty: two box heights per second, so the second observation sets it. */
  private static final double INIT_VEL_STD = 2.0;

  static final int DOUBLES = 20;

  /** Per coordinate k: state[5k] position, [5k+1] velocity (px/s), [5k+2..4] covariance a, b, c. */
  final double[] state;

  BoxFilter(double[] state) {
    this.state = state;
  }

  static BoxFilter start(double cx, double cy, double w, double h) {
    double[] s = new double[DOUBLES];
    double[] z = {cx, cy, w, h};
    double pos = 2 * MEASURE_STD * h;
    double vel = INIT_VEL_STD * h;
    for (int k = 0; k < 4; k++) {
      s[5 * k] = z[k];
      s[5 * k + 2] = pos * pos;
      s[5 * k + 4] = vel * vel;
    }
    return new BoxFilter(s);
  }

  double cx() {
    return state[0];
  }

  double cy() {
    return state[5];
  }

  double w() {
    return Math.max(1, state[10]);
  }

  double h() {
    return Math.max(1, state[15]);
  }

  void predict(double dt) {
    if (dt <= 0) {
      return;
    }
    double qa = ACCEL_STD * h();
    double q = qa * qa;
    for (int k = 0; k < 4; k++) {
      int o = 5 * k;
      double a = state[o + 2];
      double b = state[o + 3];
      double c = state[o + 4];
      state[o] += state[o + 1] * dt;
      state[o + 2] = a + 2 * dt * b + dt * dt * c + q * dt * dt * dt / 3;
      state[o + 3] = b + dt * c + q * dt * dt / 2;
      state[o + 4] = c + q * dt;
    }
  }

  void update(double cx, double cy, double w, double h) {
    double rs = MEASURE_STD * Math.max(1, h);
    double r = rs * rs;
    double[] z = {cx, cy, w, h};
    for (int k = 0; k < 4; k++) {
      int o = 5 * k;
      double a = state[o + 2];
      double b = state[o + 3];
      double c = state[o + 4];
      double s = a + r;
      double k0 = a / s;
      double k1 = b / s;
      double y = z[k] - state[o];
      state[o] += k0 * y;
      state[o + 1] += k1 * y;
      state[o + 2] = (1 - k0) * a;
      state[o + 3] = (1 - k0) * b;
      state[o + 4] = c - k1 * b;
    }
  }

  /** IoU of this filter's box with a detection box. */
  double iou(double x, double y, double w, double h) {
    double bw = w();
    double bh = h();
    double bx = cx() - bw / 2;
    double by = cy() - bh / 2;
    double ix = Math.min(bx + bw, x + w) - Math.max(bx, x);
    double iy = Math.min(by + bh, y + h) - Math.max(by, y);
    if (ix <= 0 || iy <= 0) {
      return 0;
    }
    double inter = ix * iy;
    return inter / (bw * bh + w * h - inter);
  }
}

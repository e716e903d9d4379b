package io.visionlake.udfs.track;

/**
 * Minimum-cost assignment (Hungarian algorithm with potentials, O(n^2 m)). A frame holds tens of
 * boxes at most, so the exact optimum costs nothing, and unlike greedy matching it never lets an
 * early good pair steal the only partner of another track.
 */
final class Hungarian {

  private Hungarian() {
  }

  /** For each row the column assigned to it; every row gets one when rows <= columns, else -1 for some. */
  static int[] assign(double[][] cost, int rows, int cols) {
    if (rows == 0 || cols == 0) {
      int[] none = new int[rows];
      java.util.Arrays.fill(none, -1);
      return none;
    }
    if (rows > cols) {
      double[][] t = new double[cols][rows];
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          t[j][i] = cost[i][j];
        }
      }
      int[] colToRow = assign(t, cols, rows);
      int[] rowToCol = new int[rows];
      java.util.Arrays.fill(rowToCol, -1);
      for (int j = 0; j < cols; j++) {
        rowToCol[colToRow[j]] = j;
      }
      return rowToCol;
    }
    int n = rows;
    int m = cols;
    double[] u = new double[n + 1];
    double[] v = new double[m + 1];
    int[] p = new int[m + 1];
    int[] way = new int[m + 1];
    for (int i = 1; i <= n; i++) {
      p[0] = i;
      int j0 = 0;
      double[] minv = new double[m + 1];
      java.util.Arrays.fill(minv, Double.POSITIVE_INFINITY);
      boolean[] used = new boolean[m + 1];
      do {
        used[j0] = true;
        int i0 = p[j0];
        double delta = Double.POSITIVE_INFINITY;
        int j1 = 0;
        for (int j = 1; j <= m; j++) {
          if (!used[j]) {
            double cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
            if (cur < minv[j]) {
              minv[j] = cur;
              way[j] = j0;
            }
            if (minv[j] < delta) {
              delta = minv[j];
              j1 = j;
            }
          }
        }
        for (int j = 0; j <= m; j++) {
          if (used[j]) {
            u[p[j]] += delta;
            v[j] -= delta;
          } else {
            minv[j] -= delta;
          }
        }
        j0 = j1;
      } while (p[j0] != 0);
      do {
        int j1 = way[j0];
        p[j0] = p[j1];
        j0 = j1;
      } while (j0 != 0);
    }
    int[] rowToCol = new int[n];
    java.util.Arrays.fill(rowToCol, -1);
    for (int j = 1; j <= m; j++) {
      if (p[j] != 0) {
        rowToCol[p[j] - 1] = j - 1;
      }
    }
    return rowToCol;
  }
}

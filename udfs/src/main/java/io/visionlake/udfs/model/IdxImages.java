package io.visionlake.udfs.model;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader for the (gzip-compressed) IDX files used by MNIST and Fashion-MNIST.
 *
 * <p>{@code idx3} image files (magic {@code 0x00000803}) hold {@code count x rows x cols} unsigned
 * bytes; {@code idx1} label files (magic {@code 0x00000801}) hold {@code count} unsigned bytes. Both
 * are big-endian. Every error message names the offending file.
 */
public final class IdxImages {

    /** Magic number of an idx3 file of unsigned bytes (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an idx1 file of unsigned bytes (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private final Path source;
    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] pixels;

    private IdxImages(Path source, int count, int rows, int cols, byte[] pixels) {
        this.source = source;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
    }

    /** Reads a gzip idx3-ubyte image file (e.g. {@code train-images-idx3-ubyte.gz}). */
    public static IdxImages readImages(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = readInt(in, file, "magic number");
            if (magic != IMAGES_MAGIC) {
                throw new IOException(String.format(
                        "%s is not an idx3 image file: magic 0x%08X, expected 0x%08X",
                        file, magic, IMAGES_MAGIC));
            }
            int count = readInt(in, file, "image count");
            int rows = readInt(in, file, "row count");
            int cols = readInt(in, file, "column count");
            if (count < 0 || rows <= 0 || cols <= 0 || (long) count * rows * cols > Integer.MAX_VALUE - 8) {
                throw new IOException(String.format(
                        "%s has an invalid idx3 header: count=%d rows=%d cols=%d", file, count, rows, cols));
            }
            byte[] data = new byte[count * rows * cols];
            readFully(in, data, file);
            expectEnd(in, file);
            return new IdxImages(file, count, rows, cols, data);
        }
    }

    /** Reads a gzip idx1-ubyte label file (e.g. {@code train-labels-idx1-ubyte.gz}); values 0..255. */
    public static int[] readLabels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = readInt(in, file, "magic number");
            if (magic != LABELS_MAGIC) {
                throw new IOException(String.format(
                        "%s is not an idx1 label file: magic 0x%08X, expected 0x%08X",
                        file, magic, LABELS_MAGIC));
            }
            int count = readInt(in, file, "label count");
            if (count < 0) {
                throw new IOException(file + " has an invalid idx1 header: count=" + count);
            }
            byte[] data = new byte[count];
            readFully(in, data, file);
            expectEnd(in, file);
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = data[i] & 0xFF;
            }
            return labels;
        }
    }

    /** The file these images were read from. */
    public Path source() {
        return source;
    }

    /** Number of images. */
    public int count() {
        return count;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Pixels per image ({@code rows * cols}). */
    public int imageSize() {
        return rows * cols;
    }

    /**
     * All pixels, image after image, row-major, unsigned bytes (read with {@code b & 0xFF}). The
     * array is shared, not copied: do not modify it.
     */
    public byte[] pixels() {
        return pixels;
    }

    /** Grey value (0..255) of pixel ({@code row}, {@code col}) of image {@code index}. */
    public int pixel(int index, int row, int col) {
        return pixels[index * imageSize() + row * cols + col] & 0xFF;
    }

    private static DataInputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "IDX file not found");
        }
        InputStream raw = Files.newInputStream(file);
        try {
            return new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
        } catch (ZipException | EOFException e) {
            raw.close();
            throw new IOException(file + " is not a gzip file (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    private static int readInt(DataInputStream in, Path file, String what) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new IOException(file + " is truncated: end of file while reading the " + what, e);
        } catch (ZipException e) {
            throw new IOException(file + " is corrupt (" + e.getMessage() + ")", e);
        }
    }

    private static void readFully(DataInputStream in, byte[] data, Path file) throws IOException {
        try {
            in.readFully(data);
        } catch (EOFException e) {
            throw new IOException(file + " is truncated: the header promises " + data.length
                    + " data bytes", e);
        } catch (ZipException e) {
            throw new IOException(file + " is corrupt (" + e.getMessage() + ")", e);
        }
    }

    private static void expectEnd(DataInputStream in, Path file) throws IOException {
        if (in.read() != -1) {
            throw new IOException(file + " has trailing bytes after the data its header announces");
        }
    }
}

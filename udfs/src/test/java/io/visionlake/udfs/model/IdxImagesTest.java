package io.visionlake.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.udfs.testing.UnitTest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UnitTest
class IdxImagesTest {

    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

    /** Fails (never skips) when the dataset is missing: setup installs it. */
    static Path dataFile(String name) {
        Path p = DATA.resolve(name);
        assertThat(p).as("Fashion-MNIST file %s is missing: run the project setup (it installs the Debian "
                + "package dataset-fashion-mnist into %s)", p, DATA).isRegularFile();
        return p;
    }

    @Test
    void readsTheRealTestSplit() throws IOException {
        IdxImages images = IdxImages.readImages(dataFile("t10k-images-idx3-ubyte.gz"));
        int[] labels = IdxImages.readLabels(dataFile("t10k-labels-idx1-ubyte.gz"));

        assertThat(images.count()).as("test images").isEqualTo(10_000);
        assertThat(images.rows()).as("rows").isEqualTo(FashionCnn.INPUT_SIZE);
        assertThat(images.cols()).as("cols").isEqualTo(FashionCnn.INPUT_SIZE);
        assertThat(images.pixels()).as("pixel bytes").hasSize(10_000 * 28 * 28);
        assertThat(labels).as("test labels").hasSize(10_000);
        int[] perClass = new int[10];
        for (int l : labels) {
            perClass[l]++;
        }
        assertThat(perClass).as("Fashion-MNIST test split is balanced, 1000 per class").containsOnly(1000);
        long sum = 0;
        int max = 0;
        for (byte b : images.pixels()) {
            sum += b & 0xFF;
            max = Math.max(max, b & 0xFF);
        }
        assertThat(max).as("unsigned pixels reach 255").isEqualTo(255);
        assertThat(sum / 255.0 / images.pixels().length).as("mean close to FashionCnn.MEAN")
                .isCloseTo(FashionCnn.MEAN, org.assertj.core.data.Offset.offset(0.01));
        assertThat(images.pixel(0, 0, 0)).as("corner of image 0 is background").isZero();
    }

    @Test
    void rejectsWrongMagicNamingTheFile() {
        Path labels = dataFile("t10k-labels-idx1-ubyte.gz");
        assertThatThrownBy(() -> IdxImages.readImages(labels)).as("a label file is not an image file")
                .isInstanceOf(IOException.class)
                .hasMessageContaining(labels.toString())
                .hasMessageContaining("magic 0x00000801");
        Path images = dataFile("t10k-images-idx3-ubyte.gz");
        assertThatThrownBy(() -> IdxImages.readLabels(images)).as("an image file is not a label file")
                .isInstanceOf(IOException.class)
                .hasMessageContaining(images.toString());
    }

    @Test
    void rejectsBrokenFiles(@TempDir Path dir) throws IOException {
        Path notGzip = dir.resolve("plain.idx3");
        Files.write(notGzip, new byte[] {0, 0, 8, 3, 0, 0, 0, 1});
        assertThatThrownBy(() -> IdxImages.readImages(notGzip)).as("not gzip")
                .isInstanceOf(IOException.class).hasMessageContaining(notGzip.toString()).hasMessageContaining("gzip");

        Path truncated = dir.resolve("truncated.gz");
        gzip(truncated, ByteBuffer.allocate(16 + 10).putInt(0x803).putInt(1).putInt(28).putInt(28).array());
        assertThatThrownBy(() -> IdxImages.readImages(truncated)).as("truncated data")
                .isInstanceOf(IOException.class).hasMessageContaining(truncated.toString())
                .hasMessageContaining("truncated");

        Path missing = dir.resolve("missing.gz");
        assertThatThrownBy(() -> IdxImages.readLabels(missing)).as("missing file")
                .isInstanceOf(IOException.class).hasMessageContaining(missing.toString());

        Path ok = dir.resolve("ok.gz");
        gzip(ok, ByteBuffer.allocate(8 + 3).putInt(0x801).putInt(3).put((byte) 0).put((byte) 9).put((byte) 200).array());
        assertThat(IdxImages.readLabels(ok)).as("unsigned label bytes").containsExactly(0, 9, 200);
    }

    private static void gzip(Path file, byte[] content) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content);
        }
    }
}

package io.visionlake.tools;

import io.visionlake.udfs.model.FashionCnn;
import io.visionlake.udfs.model.IdxImages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import javax.imageio.ImageIO;

/**
 * Writes the Fashion-MNIST sample set used by the demo and the tests: the first N test-split
 * images as real PNG files, and a CSV of their true labels. Run by scripts/setup.
 *
 * <p>Usage: {@code SetupSamples <fashion-mnist dir> <out dir> <labels csv> <count>}
 */
public final class SetupSamples {
  private SetupSamples() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("Usage: SetupSamples <fashion-mnist dir> <out dir> <labels csv> <count>");
      System.exit(2);
    }
    Path data = Paths.get(args[0]);
    Path out = Paths.get(args[1]);
    Path csv = Paths.get(args[2]);
    int count = Integer.parseInt(args[3]);
    IdxImages images = IdxImages.readImages(data.resolve("t10k-images-idx3-ubyte.gz"));
    int[] labels = IdxImages.readLabels(data.resolve("t10k-labels-idx1-ubyte.gz"));
    if (count > images.count()) {
      throw new IllegalArgumentException("Asked for " + count + " images, the test split has " + images.count());
    }
    Files.createDirectories(out);
    Files.createDirectories(csv.getParent());
    try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
      w.write("path,label\n");
      for (int i = 0; i < count; i++) {
        BufferedImage img = new BufferedImage(images.cols(), images.rows(), BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, images.cols(), images.rows(),
            java.util.Arrays.copyOfRange(images.pixels(), i * images.imageSize(), (i + 1) * images.imageSize()));
        Path file = out.resolve(String.format("test-%05d.png", i)).toAbsolutePath();
        ImageIO.write(img, "png", file.toFile());
        w.write(file + "," + FashionCnn.CLASS_NAMES.get(labels[i]) + "\n");
      }
    }
    System.out.println("Wrote " + count + " Fashion-MNIST test images to " + out + " and their labels to " + csv);
  }
}

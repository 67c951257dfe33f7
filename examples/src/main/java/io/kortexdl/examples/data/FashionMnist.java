package io.kortexdl.examples.data;

import io.kortexdl.spark.data.IdxFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST from the IDX files of Debian's {@code dataset-fashion-mnist} package (or any
 * directory holding the four standard files, gzipped or not). Pixels are scaled to [0, 1].
 */
public final class FashionMnist {
    /** Where Debian's package installs the files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Number of classes. */
    public static final int CLASSES = 10;

    private FashionMnist() {
    }

    /** The directory named by {@code KORTEX_FASHION_MNIST}, else {@link #DEBIAN_DIR}. */
    public static Path defaultDir() {
        String env = System.getenv("KORTEX_FASHION_MNIST");
        return env != null && !env.isBlank() ? Path.of(env) : DEBIAN_DIR;
    }

    /**
     * The 60,000 training rows.
     *
     * @throws IOException if a file is missing, damaged, or images and labels disagree
     */
    public static LabeledData train(Path dir) throws IOException {
        return load(dir, "train");
    }

    /**
     * The 10,000 test rows.
     *
     * @throws IOException if a file is missing, damaged, or images and labels disagree
     */
    public static LabeledData test(Path dir) throws IOException {
        return load(dir, "t10k");
    }

    private static LabeledData load(Path dir, String prefix) throws IOException {
        IdxFile images = IdxFile.read(locate(dir, prefix + "-images-idx3-ubyte"));
        IdxFile labels = IdxFile.read(locate(dir, prefix + "-labels-idx1-ubyte"));
        if (images.items() != labels.items()) {
            throw new IOException(dir + ": " + images.items() + " images but " + labels.items() + " labels");
        }
        int[] classes = new int[labels.items()];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = labels.unsigned(i);
            if (classes[i] >= CLASSES) {
                throw new IOException(dir + ": label " + classes[i] + " at row " + i + " is not 0.." + (CLASSES - 1));
            }
        }
        return new LabeledData(images.toFloats(1f / 255f), classes, images.itemSize(), CLASSES);
    }

    private static Path locate(Path dir, String name) throws IOException {
        for (Path candidate : new Path[] {dir.resolve(name + ".gz"), dir.resolve(name)}) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IOException("Fashion-MNIST file " + name + "[.gz] not found in " + dir
                + " (install it with: apt-get install dataset-fashion-mnist, or set KORTEX_FASHION_MNIST)");
    }
}

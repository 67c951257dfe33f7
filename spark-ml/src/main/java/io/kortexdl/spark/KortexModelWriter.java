package io.kortexdl.spark;

import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLWriter;

/**
 * Saves a KortexDL model: Spark's params metadata plus the network (see {@link ModelIO}). The
 * model is written whole into a hidden sibling directory and then renamed into place; with
 * {@code overwrite()}, the model already there is moved aside only after the new one is
 * complete and deleted only after the new one is in place. A save that fails at any point
 * leaves the previous model loadable at the path.
 */
final class KortexModelWriter extends MLWriter {
    private final Params model;
    private final NetworkWeights weights;
    private final String kind;

    KortexModelWriter(Params model, NetworkWeights weights, String kind) {
        this.model = model;
        this.weights = weights;
        this.kind = kind;
    }

    @Override
    public void save(String path) throws IOException {
        Path target = new Path(path);
        FileSystem fs = target.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
        target = fs.makeQualified(target);
        boolean exists = fs.exists(target);
        if (exists && !shouldOverwrite()) {
            throw new IOException("Path " + path + " already exists. To overwrite it, use write().overwrite().save(path)");
        }
        Path staging = sibling(target, "writing");
        boolean written = false;
        try {
            saveImpl(staging.toString());
            written = true;
        } finally {
            if (!written) {
                fs.delete(staging, true);
            }
        }
        if (!exists) {
            if (!fs.rename(staging, target)) {
                fs.delete(staging, true);
                throw new IOException("could not rename " + staging + " to " + target);
            }
            return;
        }
        Path old = sibling(target, "replaced");
        if (!fs.rename(target, old)) {
            fs.delete(staging, true);
            throw new IOException("could not move the model at " + target + " aside to replace it");
        }
        if (!fs.rename(staging, target)) {
            fs.rename(old, target);
            fs.delete(staging, true);
            throw new IOException("could not rename " + staging + " to " + target + "; the previous model is back");
        }
        fs.delete(old, true);
    }

    private static Path sibling(Path target, String what) {
        return new Path(target.getParent(), "." + target.getName() + "." + what + "-" + UUID.randomUUID());
    }

    @Override
    public void saveImpl(String path) {
        try {
            ModelIO.save(model, weights, kind, path, sparkSession());
        } catch (IOException e) {
            throw Sneaky.rethrow(e);
        }
    }
}

package io.kortexdl.spark;

import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLWriter;

/**
 * Saves a KortexDL model: Spark's params metadata plus the network (see {@link ModelIO}). The
 * model is written whole into a hidden sibling directory ({@code .NAME.writing-UUID}) and then
 * renamed into place. With {@code overwrite()}, the model already there is moved aside
 * ({@code .NAME.replaced-UUID}) only once the new one is complete, and deleted only once the new
 * one is in place.
 *
 * <p>The one window: Hadoop file systems cannot swap two directories in one step, so between the
 * two renames of an overwrite (milliseconds) the path holds no model, and a reader then gets
 * "does not exist". A save that fails, at any point, leaves the previous model at the path; a
 * process killed inside that window leaves both complete models beside it under the two hidden
 * names above. The result of every rename and delete is checked: a failed one is an
 * {@code IOException} saying where each model is.
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
        FileSystem fs = ModelIO.fileSystem(target, sparkSession());
        target = fs.makeQualified(target);
        boolean exists = fs.exists(target);
        if (exists && !shouldOverwrite()) {
            throw new IOException("Path " + path + " already exists. To overwrite it, use write().overwrite().save(path)");
        }
        Path staging = sibling(target, "writing");
        try {
            // Spark writes "to local" metadata with java.nio, which takes no file: scheme.
            saveImpl(ModelIO.localSavingMode() ? staging.toUri().getPath() : staging.toString());
        } catch (Exception e) {
            if (!deletedOrGone(fs, staging)) {
                e.addSuppressed(new IOException("the unfinished copy remains at " + staging));
            }
            throw Sneaky.rethrow(e);
        }
        if (!exists) {
            if (!fs.rename(staging, target)) {
                throw new IOException("could not rename " + staging + " to " + target + removed(fs, staging));
            }
            return;
        }
        Path old = sibling(target, "replaced");
        if (!fs.rename(target, old)) {
            throw new IOException("could not move the model at " + target + " aside to replace it; it is unchanged"
                    + removed(fs, staging));
        }
        if (!fs.rename(staging, target)) {
            if (fs.rename(old, target)) {
                throw new IOException("could not rename " + staging + " to " + target + "; the previous model is back"
                        + removed(fs, staging));
            }
            throw new IOException("could not rename " + staging + " to " + target + ", nor move the previous model"
                    + " back: the previous model is at " + old + " and the new one at " + staging);
        }
        if (!fs.delete(old, true)) {
            throw new IOException("the model is saved at " + target + ", but the previous one could not be deleted"
                    + " from " + old);
        }
    }

    /** Deletes {@code staging}; whether it is gone (an exception while deleting counts as not gone). */
    private static boolean deletedOrGone(FileSystem fs, Path staging) {
        try {
            return fs.delete(staging, true) || !fs.exists(staging);
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes {@code staging} and says, for a message, whether that left anything behind. */
    private static String removed(FileSystem fs, Path staging) {
        return deletedOrGone(fs, staging) ? "" : "; the unfinished copy remains at " + staging;
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

package io.kortexdl.spark;

import io.kortexdl.kernels.onnx.OnnxExport;
import io.kortexdl.kernels.onnx.OnnxHead;
import io.kortexdl.kernels.onnx.OnnxInput;
import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a trained KortexDL model as an ONNX model, with the meaning its Spark columns have:
 * {@code model.onnxWriter().overwrite().save("hdfs:///models/fashion.onnx")}, or
 * {@code model.writeOnnx(path)} for the defaults.
 *
 * <p><b>What the file holds.</b> A classifier gives the outputs {@code rawPrediction} (logits),
 * {@code probability} (softmax) and {@code prediction} (the class index as int64, chosen with
 * the model's {@code thresholds} when set, exactly as {@code transform} chooses it); a regressor
 * gives {@code prediction} in the label's units. The input is {@code features}, float32
 * {@code [batch, numFeatures]}, or with {@link #input input(OnnxInput.SPARSE)} the padded
 * {@code indices} and {@code values} of each row's non-zeros (see {@link OnnxInput#SPARSE}), for
 * wide hashed or one-hot features. The model's metadata records the KortexDL version, the
 * architecture, {@code numFeatures}, {@code numClasses}, the model's class and uid, and every
 * param as {@code spark.param.NAME} in Spark's JSON encoding. Graph details: {@link OnnxExport}.
 *
 * <p><b>Writing.</b> {@link #save} takes any Hadoop FileSystem path (local, HDFS, S3A), with the
 * Hadoop configuration of the active Spark session, or the default one outside Spark. The file is
 * written whole under a hidden name beside the target, then renamed into place: a failed write
 * leaves the path as it was. Without {@link #overwrite()}, an existing path is an error; with it,
 * the file there is moved aside and deleted once the new one is in place, so between those two
 * renames (milliseconds) the path holds no file.
 */
public final class KortexOnnxWriter {
    private final Params model;
    private final NetworkWeights weights;
    private final OnnxHead head;
    private final double[] thresholds;
    private OnnxInput input = OnnxInput.DENSE;
    private boolean overwrite;

    KortexOnnxWriter(Params model, NetworkWeights weights, OnnxHead head, double[] thresholds) {
        this.model = model;
        this.weights = weights;
        this.head = head;
        this.thresholds = thresholds;
    }

    /** Replaces a file already at the path given to {@link #save}; returns this writer. */
    public KortexOnnxWriter overwrite() {
        this.overwrite = true;
        return this;
    }

    /** How the exported model takes its rows (default {@link OnnxInput#DENSE}); returns this writer. */
    public KortexOnnxWriter input(OnnxInput rows) {
        if (rows == null) {
            throw new IllegalArgumentException("input: expected OnnxInput.DENSE or OnnxInput.SPARSE, got null");
        }
        this.input = rows;
        return this;
    }

    /** The ONNX model as bytes, e.g. for an ONNX Runtime session in this JVM. */
    public byte[] toBytes() {
        return export().toBytes();
    }

    /**
     * Writes the ONNX model to {@code path}, a file on any Hadoop FileSystem.
     *
     * @throws IOException if {@code path} exists and {@link #overwrite()} was not called, is a
     *     directory, or cannot be written; the path is then left as it was
     * @throws IllegalArgumentException if the model's thresholds do not give one value per class
     */
    public void save(String path) throws IOException {
        OnnxExport export = export();
        Path target = new Path(path);
        FileSystem fs = rawFileSystem(target.getFileSystem(hadoopConfiguration()));
        target = fs.makeQualified(target);
        FileStatus existing = fs.exists(target) ? fs.getFileStatus(target) : null;
        if (existing != null && !overwrite) {
            throw new IOException("Path " + path + " already exists. To overwrite it, use onnxWriter().overwrite()"
                    + ".save(path)");
        }
        if (existing != null && existing.isDirectory()) {
            throw new IOException("Path " + path + " is a directory; an ONNX model is a single file");
        }
        Path staging = sibling(target, "writing");
        try {
            try (OutputStream out = fs.create(staging, false)) {
                export.writeTo(out);
            }
            if (existing == null) {
                rename(fs, staging, target, "");
                return;
            }
            // Hadoop's rename does not replace a file: the old one moves aside first and is
            // deleted only once the new one is in place, or moved back if that fails.
            Path old = sibling(target, "replaced");
            rename(fs, target, old, "; the file there is unchanged");
            try {
                rename(fs, staging, target, "");
            } catch (IOException e) {
                if (!fs.rename(old, target)) {
                    e.addSuppressed(new IOException("the previous file could not be moved back; it is at " + old));
                }
                throw e;
            }
            if (!fs.delete(old, false)) {
                throw new IOException("the ONNX model is saved at " + target + ", but the previous file could not"
                        + " be deleted from " + old);
            }
        } finally {
            if (fs.exists(staging)) {
                fs.delete(staging, false);
            }
        }
    }

    private static Path sibling(Path target, String what) {
        return new Path(target.getParent(), "." + target.getName() + "." + what + "-" + UUID.randomUUID());
    }

    private static void rename(FileSystem fs, Path from, Path to, String outcome) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("could not rename " + from + " to " + to + outcome);
        }
    }

    private OnnxExport export() {
        OnnxExport export = OnnxExport.of(weights.toNetwork()).head(head).input(input).thresholds(thresholds)
                .metadata("kortexdl.modelClass", model.getClass().getName())
                .metadata("kortexdl.uid", model.uid());
        for (Param<?> param : model.params()) {
            if (model.isDefined(param)) {
                export.metadata("spark.param." + param.name(), jsonValue(param));
            }
        }
        return export;
    }

    @SuppressWarnings("unchecked")
    private <T> String jsonValue(Param<T> param) {
        return param.jsonEncode((T) model.getOrDefault(param));
    }

    /** The file system itself, without the checksum side files Hadoop's local file system adds. */
    private static FileSystem rawFileSystem(FileSystem fs) {
        return fs instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
    }

    private static Configuration hadoopConfiguration() {
        return SparkSession.getActiveSession().isDefined()
                ? SparkSession.getActiveSession().get().sparkContext().hadoopConfiguration()
                : new Configuration();
    }
}

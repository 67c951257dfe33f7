package io.kortexdl.spark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.ReadWriteUtils$;
import org.apache.spark.sql.SparkSession;

/**
 * Model persistence: params metadata through Spark's writer under {@code path/metadata}, the
 * network in the kernels' checksummed format under {@code path/data/network.kxdl}, and a small
 * {@code path/data/format.properties} naming the layout version and the model kind. Any Hadoop
 * FileSystem path works. Every call into Spark's {@code private[ml]} persistence helpers is here.
 */
final class ModelIO {
    /** Version of the on-disk layout described above. */
    static final int FORMAT_VERSION = 1;
    static final String NETWORK_FILE = "data/network.kxdl";
    static final String FORMAT_FILE = "data/format.properties";
    /** Largest network file read (a 500M-parameter model); larger declared sizes are refused. */
    private static final long MAX_NETWORK_BYTES = 2_000_000_000L;

    private ModelIO() {
    }

    /** Writes {@code model}'s metadata, then {@code weights}, then the layout file (last) under {@code path}. */
    static void save(Params model, NetworkWeights weights, String kind, String path, SparkSession spark)
            throws IOException {
        DefaultParamsWriter.saveMetadata(model, path, spark);
        Path root = new Path(path);
        FileSystem fs = fileSystem(root, spark);
        byte[] network = weights.toBytes();
        try (OutputStream out = fs.create(new Path(root, NETWORK_FILE), true)) {
            out.write(network);
        }
        Properties format = new Properties();
        format.setProperty("kortexdl.modelFormat", Integer.toString(FORMAT_VERSION));
        format.setProperty("kortexdl.modelKind", kind);
        try (OutputStream out = fs.create(new Path(root, FORMAT_FILE), true)) {
            format.store(out, "KortexDL model layout");
        }
    }

    /**
     * Reads the weights saved under {@code path} and sets {@code model}'s params from the metadata.
     *
     * @throws IOException if the files are missing, of another kind or version, or damaged
     */
    static NetworkWeights loadWeights(String path, String kind, String className, SparkSession spark)
            throws IOException {
        Path root = new Path(path);
        FileSystem fs = fileSystem(root, spark);
        Properties format = new Properties();
        Path formatFile = new Path(root, FORMAT_FILE);
        if (!fs.exists(formatFile)) {
            throw new IOException(path + " is not a KortexDL model: " + formatFile + " is missing");
        }
        try (InputStream in = fs.open(formatFile)) {
            format.load(new java.io.InputStreamReader(in, StandardCharsets.ISO_8859_1));
        }
        String version = format.getProperty("kortexdl.modelFormat");
        if (!Integer.toString(FORMAT_VERSION).equals(version)) {
            throw new IOException(path + ": model layout version " + version + " is not supported (this release"
                    + " reads version " + FORMAT_VERSION + ")");
        }
        if (!kind.equals(format.getProperty("kortexdl.modelKind"))) {
            throw new IOException(path + " holds a " + format.getProperty("kortexdl.modelKind") + " model, not a "
                    + kind + "; load it with " + className);
        }
        Path networkFile = new Path(root, NETWORK_FILE);
        long length = fs.getFileStatus(networkFile).getLen();
        if (length > MAX_NETWORK_BYTES) {
            throw new IOException(networkFile + " is " + length + " bytes, beyond the " + MAX_NETWORK_BYTES
                    + " bytes a model may have");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) length);
        try (InputStream in = fs.open(networkFile)) {
            in.transferTo(bytes);
        }
        try {
            return NetworkWeights.fromBytes(bytes.toByteArray());
        } catch (IOException e) {
            throw new IOException(networkFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * The file system of {@code path}: the local one while Spark saves or loads "to local"
     * ({@code MLWriter.saveToLocal}, {@code MLReader.loadFromLocal}: a Spark Connect server moving
     * a cached model to its own disk and back), where Spark's metadata goes to plain local files
     * whatever the cluster's default file system is; otherwise the path's own.
     */
    static FileSystem fileSystem(Path path, SparkSession spark) throws IOException {
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        return localSavingMode() ? FileSystem.getLocal(conf) : path.getFileSystem(conf);
    }

    /** Whether this thread is inside Spark's save-to-local or load-from-local. */
    static boolean localSavingMode() {
        Object state = ReadWriteUtils$.MODULE$.localSavingModeState().get();
        return Boolean.TRUE.equals(state);
    }

    /**
     * The metadata saved under {@code path}.
     *
     * @throws IllegalArgumentException (from Spark) if it was written for another class
     */
    static DefaultParamsReader.Metadata metadata(String path, String className, SparkSession spark) {
        return DefaultParamsReader.loadMetadata(path, spark, className);
    }

    /** Sets {@code model}'s params from {@code metadata}. */
    static void setParams(Params model, DefaultParamsReader.Metadata metadata) {
        metadata.getAndSetParams(model, scala.Option.empty());
    }
}

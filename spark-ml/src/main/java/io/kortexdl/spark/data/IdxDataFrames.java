package io.kortexdl.spark.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads an IDX image file and its label file (the MNIST format, plain or gzipped, from any
 * Hadoop FileSystem path) into a DataFrame of {@code features} (dense {@code Vector}, pixels
 * times a scale) and {@code label} (double). The files are read once on the driver and
 * broadcast as bytes; each partition builds its rows from its range of them. The partitions
 * themselves stay small, so tasks over this DataFrame (and over anything derived from it) do
 * not carry the data.
 */
public final class IdxDataFrames {
    /** The schema of the returned DataFrame. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        new StructField("features", SQLDataTypes.VectorType(), false, Metadata.empty()),
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty())});

    private IdxDataFrames() {
    }

    /**
     * Reads {@code images} and {@code labels} into {@code partitions} partitions.
     *
     * @param scale multiplies every pixel (1/255 gives [0, 1])
     * @throws IOException if a file is missing, damaged or not IDX, or the two item counts differ
     */
    public static Dataset<Row> read(SparkSession spark, String images, String labels, double scale, int partitions)
            throws IOException {
        return read(spark, images, labels, scale, partitions, Integer.MAX_VALUE);
    }

    /**
     * Reads the first {@code maxRows} items of {@code images} and {@code labels} (all of them if
     * there are fewer), in file order, into {@code partitions} partitions.
     *
     * @throws IOException if a file is missing, damaged or not IDX, or the two item counts differ
     */
    public static Dataset<Row> read(SparkSession spark, String images, String labels, double scale, int partitions,
                                    int maxRows) throws IOException {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows: expected >= 1, got " + maxRows);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: expected >= 1, got " + partitions);
        }
        IdxFile imageFile = open(spark, images);
        IdxFile labelFile = open(spark, labels);
        if (imageFile.items() != labelFile.items() || labelFile.itemSize() != 1) {
            throw new IOException(images + " holds " + imageFile.items() + " items but " + labels + " holds "
                    + labelFile.items() + " labels of size " + labelFile.itemSize() + "; expected one label per image");
        }
        int rows = Math.min(imageFile.items(), maxRows);
        int size = imageFile.itemSize();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<byte[][]> bytes = jsc.broadcast(new byte[][] {imageFile.bytes(0, rows * size), labelFile.bytes(0, rows)});
        List<Slice> slices = new ArrayList<>();
        int per = Math.max(1, (rows + partitions - 1) / partitions);
        for (int start = 0; start < rows; start += per) {
            slices.add(new Slice(start, Math.min(per, rows - start), size, scale));
        }
        JavaRDD<Row> rdd = jsc.parallelize(slices, Math.max(1, slices.size()))
                .flatMap(slice -> slice.rows(bytes.value()[0], bytes.value()[1]));
        return spark.createDataFrame(rdd, SCHEMA);
    }

    /**
     * Reads one split of a dataset laid out as MNIST and Fashion-MNIST are distributed:
     * {@code <dir>/<split>-images-idx3-ubyte} and {@code <dir>/<split>-labels-idx1-ubyte}, each
     * plain or with {@code .gz} appended, pixels scaled to [0, 1].
     *
     * @param dir a directory on any Hadoop FileSystem ({@code hdfs://...}, {@code file:/...}, or a
     *     path on the default file system)
     * @param split {@code "train"} or {@code "t10k"} (the test split)
     * @param maxRows read at most this many rows, from the start of the files
     * @throws IOException if a file is missing (the message names both names tried), damaged or
     *     not IDX, or the two item counts differ
     */
    public static Dataset<Row> readMnist(SparkSession spark, String dir, String split, int partitions, int maxRows)
            throws IOException {
        String images = existing(spark, dir, split + "-images-idx3-ubyte");
        String labels = existing(spark, dir, split + "-labels-idx1-ubyte");
        return read(spark, images, labels, 1.0 / 255, partitions, maxRows);
    }

    private static String existing(SparkSession spark, String dir, String name) throws IOException {
        Path plain = new Path(dir, name);
        Path gzipped = new Path(dir, name + ".gz");
        FileSystem fs = plain.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (fs.exists(gzipped)) {
            return gzipped.toString();
        }
        if (fs.exists(plain)) {
            return plain.toString();
        }
        throw new IOException("no " + name + " in " + dir + ": expected " + gzipped + " or " + plain);
    }

    /**
     * Reads one IDX file from any Hadoop FileSystem path, decompressing it when it starts with
     * the gzip magic.
     *
     * @throws IOException if it is missing, damaged or not an unsigned-byte IDX file
     */
    public static IdxFile open(SparkSession spark, String file) throws IOException {
        Path path = new Path(file);
        FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
        try (InputStream raw = new BufferedInputStream(fs.open(path), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            return IdxFile.read(in, file);
        }
    }

    /** Rows {@code [start, start + count)} of the files. */
    private record Slice(int start, int count, int size, double scale) implements Serializable {
        Iterator<Row> rows(byte[] pixels, byte[] labels) {
            List<Row> out = new ArrayList<>(count);
            for (int r = start; r < start + count; r++) {
                double[] values = new double[size];
                for (int i = 0; i < size; i++) {
                    values[i] = (pixels[r * size + i] & 0xFF) * scale;
                }
                out.add(RowFactory.create(new DenseVector(values), (double) (labels[r] & 0xFF)));
            }
            return out.iterator();
        }
    }
}

package io.kortexdl.examples.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A real text corpus frozen in this jar: the short descriptions of Debian 12's 64,437 binary
 * packages (amd64; main, contrib, non-free and non-free-firmware with security and updates, as
 * {@code apt-cache dumpavail} listed them on 2026-11-30), each with its Section, the archive
 * area dropped ({@code non-free/utils} is {@code utils}): 58 sections. Lines are
 * {@code package TAB section TAB description}, sorted by package name.
 *
 * <p>The split is fixed by the package name: a package is a test row when the non-negative
 * {@code String.hashCode()} of its name is divisible by 5 (about 20 %).
 */
public final class DebianDescriptions {
    /** The resource holding the corpus. */
    public static final String RESOURCE = "/io/kortexdl/examples/data/debian-descriptions.tsv.gz";
    /** Packages in the corpus. */
    public static final int PACKAGES = 64_437;
    /** Distinct sections (the labels). */
    public static final int SECTIONS = 58;

    private DebianDescriptions() {
    }

    /**
     * The corpus as a DataFrame of {@code package}, {@code section}, {@code text} (the short
     * description) and {@code test} (the fixed split), in {@code partitions} partitions.
     *
     * @throws IOException if the resource is missing or a line does not have three fields (naming it)
     */
    public static Dataset<Row> read(SparkSession spark, int partitions) throws IOException {
        List<Row> rows = new ArrayList<>(PACKAGES);
        try (InputStream raw = DebianDescriptions.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IOException(RESOURCE + " is not on the classpath");
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw),
                    StandardCharsets.UTF_8));
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                String[] fields = line.split("\t", -1);
                if (fields.length != 3) {
                    throw new IOException(RESOURCE + " line " + number + ": expected package, section and"
                            + " description separated by tabs, got " + fields.length + " fields");
                }
                rows.add(RowFactory.create(fields[0], fields[1], fields[2], isTest(fields[0])));
            }
        }
        StructType schema = new StructType(new StructField[] {
            new StructField("package", DataTypes.StringType, false, Metadata.empty()),
            new StructField("section", DataTypes.StringType, false, Metadata.empty()),
            new StructField("text", DataTypes.StringType, false, Metadata.empty()),
            new StructField("test", DataTypes.BooleanType, false, Metadata.empty())});
        return spark.createDataFrame(rows, schema).repartition(partitions);
    }

    /** Whether package {@code name} is in the test split. */
    public static boolean isTest(String name) {
        return (name.hashCode() & Integer.MAX_VALUE) % 5 == 0;
    }
}

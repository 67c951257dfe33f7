package io.kortexdl.examples.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A small numeric CSV (header {@code f0,...,fN-1,label}, as {@code ./kortex data wine} writes the
 * scikit-learn sets) split into training and test rows by index: row {@code i} is a test row when
 * {@code (7 i + 3) mod 10 < 3}, the same rule the scikit-learn reference script uses.
 */
public final class SmallCsv {
    private final String[] featureNames;
    private final Dataset<Row> train;
    private final Dataset<Row> test;

    private SmallCsv(String[] featureNames, Dataset<Row> train, Dataset<Row> test) {
        this.featureNames = featureNames;
        this.train = train;
        this.test = test;
    }

    /**
     * Reads {@code csv} into two cached DataFrames of double columns (the features, then {@code label}).
     *
     * @throws IOException if the file cannot be read or a value is not a number (naming the line)
     */
    public static SmallCsv read(SparkSession spark, Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        if (lines.size() < 2) {
            throw new IOException(csv + ": expected a header and rows");
        }
        String[] header = lines.get(0).split(",");
        List<StructField> fields = new ArrayList<>();
        for (String name : header) {
            fields.add(DataTypes.createStructField(name.trim(), DataTypes.DoubleType, false));
        }
        StructType schema = DataTypes.createStructType(fields);
        List<Row> trainRows = new ArrayList<>();
        List<Row> testRows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] cells = lines.get(i).split(",");
            if (cells.length != header.length) {
                throw new IOException(csv + " line " + (i + 1) + ": " + cells.length + " values, expected " + header.length);
            }
            Object[] values = new Object[cells.length];
            try {
                for (int c = 0; c < cells.length; c++) {
                    values[c] = Double.parseDouble(cells[c].trim());
                }
            } catch (NumberFormatException e) {
                throw new IOException(csv + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
            int row = i - 1;
            ((7L * row + 3) % 10 < 3 ? testRows : trainRows).add(RowFactory.create(values));
        }
        return new SmallCsv(Arrays.copyOf(header, header.length - 1),
                spark.createDataFrame(trainRows, schema).cache(), spark.createDataFrame(testRows, schema).cache());
    }

    /** The feature column names, in file order. */
    public String[] featureNames() {
        return featureNames.clone();
    }

    /** The training rows (70 %). */
    public Dataset<Row> train() {
        return train;
    }

    /** The held-out rows (30 %). */
    public Dataset<Row> test() {
        return test;
    }
}

package io.kortexdl.examples.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Counts of hand-made (label, prediction) pairs, and the refusal of a pair out of range. */
class ConfusionMatrixTest {
    private static final StructType SCHEMA = new StructType().add("label", DataTypes.DoubleType)
            .add("prediction", DataTypes.DoubleType).add("other", DataTypes.StringType);
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[1]").appName("confusion").config("spark.ui.enabled", "false")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Dataset<Row> pairs(double... labelThenPrediction) {
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < labelThenPrediction.length; i += 2) {
            rows.add(RowFactory.create(labelThenPrediction[i], labelThenPrediction[i + 1], "x"));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    @Test
    void countsEveryPairInItsCell() {
        ConfusionMatrix m = ConfusionMatrix.of(pairs(0, 0, 0, 0, 0, 2, 1, 1, 2, 1, 2, 1, 2, 2), 3);
        assertArrayEquals(new long[] {2, 0, 1}, m.counts()[0]);
        assertArrayEquals(new long[] {0, 1, 0}, m.counts()[1]);
        assertArrayEquals(new long[] {0, 2, 1}, m.counts()[2]);
        String text = m.format(new String[] {"cat", "dog", "eel"});
        assertTrue(text.contains("         eel     0     2     1"), text);
    }

    @Test
    void refusesALabelOutsideTheClasses() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.of(pairs(0, 0, 3, 1), 3));
        assertEquals("label 3.0 / prediction 1.0 outside [0, 3)", e.getMessage());
    }
}

package io.kortexdl.spark;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Packing settings and rows for tests. */
final class Packing {
    /** A features vector column and a double label, as the packer reads them. */
    static final StructType SCHEMA = new StructType().add("features", new VectorUDT())
            .add("label", DataTypes.DoubleType);

    private Packing() {
    }

    /** A budget with room for anything: every block stays on the heap under memory and auto. */
    static MemoryCheck.Budget unlimited() {
        return new MemoryCheck.Budget(Long.MAX_VALUE, MemoryCheck.SPARK_RESERVED_BYTES, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /** A budget whose memory and auto limits are {@code memoryLimit} and {@code autoLimit} bytes. */
    static MemoryCheck.Budget limits(long memoryLimit, long autoLimit) {
        return new MemoryCheck.Budget(1L << 30, MemoryCheck.SPARK_RESERVED_BYTES, memoryLimit, autoLimit);
    }

    /** Classification columns of {@link #SCHEMA}: dense, {@code rowsPerChunk} rows a chunk, stored as {@code storage}. */
    static DataPacker.Columns columns(int rowsPerChunk, BlockStorage storage, MemoryCheck.Budget budget) {
        return new DataPacker.Columns(FeatureColumn.of(SCHEMA, "features"), "label", true, null, null,
                FeatureStorage.DENSE, rowsPerChunk, storage, budget);
    }

    /** A row of {@link #SCHEMA}. */
    static Row row(double label, double... features) {
        return RowFactory.create(Vectors.dense(features), label);
    }

    /** Packs {@code rows} as block {@code block} of spill {@code spill}, rows named within the block. */
    static PackedBlock pack(int block, DataPacker.Columns columns, int spill, List<Row> rows) {
        Iterator<Row> it = rows.iterator();
        return new BlockPacker(block, columns, spill, false).pack(it);
    }
}

package io.kortexdl.spark;

import java.io.Serializable;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads a features column, a Spark ML {@code Vector} (dense or sparse) or an
 * {@code array<float>}/{@code array<double>}, into float32 rows, rejecting nulls, wrong sizes
 * and non-finite values with the column and row named.
 */
final class FeatureColumn implements Serializable {
    private static final long serialVersionUID = 1L;

    private enum Kind { VECTOR, FLOAT_ARRAY, DOUBLE_ARRAY }

    private final String name;
    private final Kind kind;

    private FeatureColumn(String name, Kind kind) {
        this.name = name;
        this.kind = kind;
    }

    /**
     * The reader for column {@code name} of {@code schema}.
     *
     * @throws IllegalArgumentException if the column is missing or of another type
     */
    static FeatureColumn of(StructType schema, String name) {
        DataType type = SchemaChecks.field(schema, name, "the features").dataType();
        if (type.equals(SQLDataTypes.VectorType())) {
            return new FeatureColumn(name, Kind.VECTOR);
        }
        if (type instanceof ArrayType array && array.elementType().equals(DataTypes.FloatType)) {
            return new FeatureColumn(name, Kind.FLOAT_ARRAY);
        }
        if (type instanceof ArrayType array && array.elementType().equals(DataTypes.DoubleType)) {
            return new FeatureColumn(name, Kind.DOUBLE_ARRAY);
        }
        throw new IllegalArgumentException("Column " + name + " (the features) must be a Vector, array<float> or"
                + " array<double>, but is " + type.catalogString());
    }

    String name() {
        return name;
    }

    /**
     * The number of features of the value at {@code index} of {@code row}.
     *
     * @throws IllegalArgumentException naming {@code where} if the value is null
     */
    int size(Row row, int index, String where) {
        if (row.isNullAt(index)) {
            throw new IllegalArgumentException("Column " + name + " is null at " + where + "; every row needs features");
        }
        return switch (kind) {
            case VECTOR -> ((Vector) row.get(index)).size();
            case FLOAT_ARRAY, DOUBLE_ARRAY -> row.getList(index).size();
        };
    }

    /**
     * The size and the number of non-zero values of the value at {@code index} of {@code row}, or
     * null when it cannot be read (null or holding a null element).
     */
    long[] shape(Row row, int index) {
        if (row.isNullAt(index)) {
            return null;
        }
        long nonZeros = 0;
        if (kind == Kind.VECTOR) {
            Vector vector = (Vector) row.get(index);
            double[] values = vector instanceof SparseVector sparse ? sparse.values() : vector.toArray();
            for (double v : values) {
                nonZeros += v != 0 ? 1 : 0;
            }
            return new long[] {vector.size(), nonZeros};
        }
        java.util.List<Object> values = row.getList(index);
        for (Object v : values) {
            if (v == null) {
                return null;
            }
            nonZeros += ((Number) v).doubleValue() != 0 ? 1 : 0;
        }
        return new long[] {values.size(), nonZeros};
    }

    /**
     * Writes the {@code size} features of the value at {@code index} of {@code row} into
     * {@code out[offset ..]} as float32.
     *
     * @throws IllegalArgumentException naming {@code where} on null, another size, a null element
     *     or a value that is NaN, infinite or beyond float32's range
     */
    void read(Row row, int index, int size, float[] out, int offset, String where) {
        checkSize(size(row, index, where), size, () -> where);
        switch (kind) {
            case VECTOR -> {
                Object value = row.get(index);
                if (value instanceof DenseVector dense) {
                    double[] values = dense.values();
                    for (int i = 0; i < size; i++) {
                        out[offset + i] = checked(values[i], i, where);
                    }
                } else {
                    SparseVector sparse = (SparseVector) value;
                    java.util.Arrays.fill(out, offset, offset + size, 0f);
                    int[] indices = sparse.indices();
                    double[] values = sparse.values();
                    for (int k = 0; k < indices.length; k++) {
                        out[offset + indices[k]] = checked(values[k], indices[k], where);
                    }
                }
            }
            case FLOAT_ARRAY, DOUBLE_ARRAY -> {
                java.util.List<Object> values = row.getList(index);
                for (int i = 0; i < size; i++) {
                    out[offset + i] = checked(element(values, i, where), i, where);
                }
            }
            default -> throw new AssertionError(kind);
        }
    }

    /**
     * Appends the non-zeros of the value at {@code index} of {@code row} to {@code out}'s open row
     * (the caller ends it), for any representation: a {@code SparseVector}'s stored values that
     * are not 0, a dense value's non-zero elements.
     *
     * @throws IllegalArgumentException naming {@code where} on null, another size, an index out of
     *     order or range, a null element or a non-finite value
     */
    void readSparse(Row row, int index, int size, CsrRows out, String where) {
        checkSize(size(row, index, where), size, () -> where);
        if (kind == Kind.VECTOR && row.get(index) instanceof SparseVector sparse) {
            addSparse(sparse.indices(), sparse.values(), size, out, () -> where);
            return;
        }
        if (kind == Kind.VECTOR) {
            double[] values = ((DenseVector) row.get(index)).values();
            for (int i = 0; i < size; i++) {
                if (values[i] != 0) {
                    out.add(i, checked(values[i], i, where));
                }
            }
            return;
        }
        java.util.List<Object> values = row.getList(index);
        for (int i = 0; i < size; i++) {
            double v = element(values, i, where);
            if (v != 0) {
                out.add(i, checked(v, i, where));
            }
        }
    }

    /**
     * {@link #readSparse(Row, int, int, CsrRows, String)} for Spark's internal rows (a Vector is
     * then its struct of type, size, indices and values), used where scoring skips the external
     * Row conversion; the same checks and messages.
     *
     * @param where describes the row; called only to build an error message
     */
    void readSparse(InternalRow row, int index, int size, CsrRows out, Supplier<String> where) {
        if (row.isNullAt(index)) {
            throw new IllegalArgumentException("Column " + name + " is null at " + where.get()
                    + "; every row needs features");
        }
        if (kind == Kind.VECTOR) {
            InternalRow vector = row.getStruct(index, 4);
            ArrayData values = vector.getArray(3);
            boolean dense = vector.getByte(0) == 1;
            checkSize(dense ? values.numElements() : vector.getInt(1), size, where);
            if (dense) {
                for (int i = 0; i < size; i++) {
                    double v = values.getDouble(i);
                    if (v != 0) {
                        out.add(i, checked(v, i, where));
                    }
                }
            } else {
                addSparse(vector.getArray(2).toIntArray(), values.toDoubleArray(), size, out, where);
            }
            return;
        }
        ArrayData values = row.getArray(index);
        checkSize(values.numElements(), size, where);
        for (int i = 0; i < size; i++) {
            double v = element(values, i, where);
            if (v != 0) {
                out.add(i, checked(v, i, where));
            }
        }
    }

    private void addSparse(int[] indices, double[] values, int size, CsrRows out, Supplier<String> where) {
        int previous = -1;
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i <= previous || i >= size) {
                throw new IllegalArgumentException("Column " + name + " has a sparse vector whose index " + i
                        + " is out of order or beyond its size " + size + " at " + where.get()
                        + "; indices must increase and lie in 0.." + (size - 1));
            }
            previous = i;
            if (values[k] != 0) {
                out.add(i, checked(values[k], i, where));
            }
        }
    }

    /** Element {@code i} of an array value, as a double. */
    private double element(java.util.List<Object> values, int i, String where) {
        Object element = values.get(i);
        if (element == null) {
            throw new IllegalArgumentException("Column " + name + " has a null element at index " + i + " at " + where);
        }
        return ((Number) element).doubleValue();
    }

    /** Element {@code i} of an internal array value, as a double. */
    private double element(ArrayData values, int i, Supplier<String> where) {
        if (values.isNullAt(i)) {
            throw new IllegalArgumentException("Column " + name + " has a null element at index " + i + " at "
                    + where.get());
        }
        return kind == Kind.FLOAT_ARRAY ? values.getFloat(i) : values.getDouble(i);
    }

    private void checkSize(int actual, int size, Supplier<String> where) {
        if (actual != size) {
            throw new IllegalArgumentException("Column " + name + " has " + actual + " features at " + where.get()
                    + ", but earlier rows have " + size + "; every row needs the same number of features");
        }
    }

    private float checked(double value, int feature, Supplier<String> where) {
        float f = (float) value;
        if (!Float.isFinite(f)) {
            return checked(value, feature, where.get());
        }
        return f;
    }

    private float checked(double value, int feature, String where) {
        float f = (float) value;
        if (!Float.isFinite(f)) {
            throw new IllegalArgumentException("Column " + name + " has " + (Double.isFinite(value)
                    ? value + " (beyond float32's range)" : Double.toString(value)) + " at feature " + feature
                    + " at " + where + "; features must be finite");
        }
        return f;
    }
}

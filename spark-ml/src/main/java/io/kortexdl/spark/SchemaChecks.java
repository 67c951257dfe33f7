package io.kortexdl.spark;

import java.util.Arrays;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Column lookups and type checks with errors that name the column and what was expected. */
final class SchemaChecks {
    private SchemaChecks() {
    }

    /**
     * The field named {@code name}.
     *
     * @param role what the column is for, for the message ("the label", ...)
     * @throws IllegalArgumentException if there is no such column
     */
    static StructField field(StructType schema, String name, String role) {
        for (StructField field : schema.fields()) {
            if (field.name().equals(name)) {
                return field;
            }
        }
        throw new IllegalArgumentException("Column " + name + " (" + role + ") does not exist. Available columns: "
                + Arrays.toString(schema.fieldNames()));
    }

    /**
     * Checks that column {@code name} exists and is numeric.
     *
     * @throws IllegalArgumentException if it is missing or not numeric
     */
    static void numeric(StructType schema, String name, String role) {
        DataType type = field(schema, name, role).dataType();
        if (!(type instanceof NumericType)) {
            throw new IllegalArgumentException("Column " + name + " (" + role + ") must be numeric, but is "
                    + type.catalogString());
        }
    }

    /**
     * Checks that column {@code name} exists and is boolean.
     *
     * @throws IllegalArgumentException if it is missing or not boolean
     */
    static void bool(StructType schema, String name, String role) {
        DataType type = field(schema, name, role).dataType();
        if (!type.equals(DataTypes.BooleanType)) {
            throw new IllegalArgumentException("Column " + name + " (" + role + ") must be boolean, but is "
                    + type.catalogString());
        }
    }

    /**
     * Checks that no column named {@code name} exists yet, for an output column.
     *
     * @throws IllegalArgumentException if it exists
     */
    static void absent(StructType schema, String name, String role) {
        if (Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException("Output column " + name + " (" + role + ") already exists; set another"
                    + " name or drop the column");
        }
    }
}

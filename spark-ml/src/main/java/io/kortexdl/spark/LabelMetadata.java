package io.kortexdl.spark;

import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.sql.types.StructType;

/** The class count a label column declares in its ML attribute metadata (e.g. from StringIndexer). */
final class LabelMetadata {
    private LabelMetadata() {
    }

    /** The declared number of classes of column {@code label}, or -1 when none is declared. */
    static int declaredClasses(StructType schema, String label) {
        Attribute attribute = Attribute.fromStructField(schema.apply(label));
        if (attribute instanceof NominalAttribute nominal && nominal.getNumValues().isDefined()) {
            return (Integer) nominal.getNumValues().get();
        }
        if (attribute instanceof org.apache.spark.ml.attribute.BinaryAttribute) {
            return 2;
        }
        return -1;
    }
}

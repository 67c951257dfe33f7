package io.kortexdl.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Packs a training DataFrame once into {@link PackedBlock}s, one per executor, cached as float32
 * arrays: dense rows, or compressed sparse rows when {@link FeatureStorage} says so. Row order within a block follows the input, so packing is deterministic and a block
 * recomputed after an executor loss is identical.
 */
final class DataPacker {
    private DataPacker() {
    }

    /**
     * Which columns hold what, resolved against the schema by the estimator, and how features are
     * stored; {@code heapTaken} is what the fit needs of each JVM's heap besides the packed rows
     * (Spark's reservation and the training state), in bytes, which packing leaves free.
     */
    record Columns(FeatureColumn features, String label, boolean classLabels, String weight, String validation,
                   FeatureStorage storage, long heapTaken) implements Serializable {
    }

    /** The packed, cached blocks and what the driver knows of them. */
    record Packed(JavaRDD<PackedBlock> blocks, List<PackedBlock.Summary> summaries, int inputSize, long trainRows,
                  long validationRows, double maxLabel, String maxLabelWhere, FeatureStorage storage) {

        /** Feature values held over all blocks: every value when dense, the non-zeros when sparse. */
        long storedValues() {
            return summaries.stream().mapToLong(PackedBlock.Summary::storedValues).sum();
        }

        /**
         * The standardization of the training labels: their mean and standard deviation, the blocks'
         * moments combined in block order (Chan et al.'s pairwise update, stable for large offsets).
         */
        LabelScaling labelScaling() {
            long rows = 0;
            double mean = 0;
            double squaredDeviations = 0;
            for (PackedBlock.Summary s : summaries) {
                if (s.trainRows() == 0) {
                    continue;
                }
                long total = rows + s.trainRows();
                double delta = s.labelMean() - mean;
                mean += delta * s.trainRows() / total;
                squaredDeviations += s.labelSquaredDeviations() + delta * delta * rows * s.trainRows() / total;
                rows = total;
            }
            return LabelScaling.fromMoments(rows, mean, squaredDeviations);
        }

        void release() {
            blocks.unpersist(false);
        }
    }

    /**
     * Packs {@code dataset} into {@code blockCount} cached blocks and checks every row.
     *
     * @throws IllegalArgumentException naming the column and row of the first bad value, or if
     *     there are no training rows; nothing stays cached then, nor after any other failure
     */
    static Packed pack(Dataset<?> dataset, Columns columns, int blockCount) {
        List<org.apache.spark.sql.Column> selected = new ArrayList<>();
        selected.add(dataset.col(columns.features().name()));
        selected.add(dataset.col(columns.label()));
        if (columns.weight() != null) {
            selected.add(dataset.col(columns.weight()));
        }
        if (columns.validation() != null) {
            selected.add(dataset.col(columns.validation()));
        }
        JavaRDD<Row> rows = dataset.select(selected.toArray(new org.apache.spark.sql.Column[0])).toJavaRDD();
        JavaRDD<Row> grouped = rows.getNumPartitions() >= blockCount
                ? rows.rdd().coalesce(blockCount, false, scala.Option.apply(new ContiguousCoalescer()), null).toJavaRDD()
                : spreadInOrder(rows, blockCount);
        boolean globalRowNumbers = blockCount == 1;
        JavaRDD<PackedBlock> blocks = grouped.mapPartitionsWithIndex(
                (index, it) -> List.of(packBlock(index, it, columns, globalRowNumbers)).iterator(), true);
        blocks.persist(StorageLevel.MEMORY_AND_DISK());
        blocks.setName("KortexDL packed training data");
        boolean packed = false;
        try {
            List<PackedBlock.Summary> summaries = blocks.map(PackedBlock::summary).collect();
            Packed result = checked(blocks, summaries, columns);
            packed = true;
            return result;
        } finally {
            // Whatever went wrong (bad rows, a failed task, a lost executor, an Error), nothing stays cached.
            if (!packed) {
                blocks.unpersist(false);
            }
        }
    }

    private static Packed checked(JavaRDD<PackedBlock> blocks, List<PackedBlock.Summary> summaries, Columns columns) {
        int inputSize = -1;
        int inputSizeBlock = -1;
        long train = 0;
        long validation = 0;
        double trainWeight = 0;
        double maxLabel = Double.NEGATIVE_INFINITY;
        String maxLabelWhere = null;
        for (PackedBlock.Summary s : summaries) {
            if (s.error() != null) {
                throw new IllegalArgumentException(s.error());
            }
            if (s.inputSize() >= 0) {
                if (inputSize >= 0 && s.inputSize() != inputSize) {
                    throw new IllegalArgumentException("Column " + columns.features().name() + " has "
                            + s.inputSize() + " features in block " + s.block() + " but " + inputSize + " in block "
                            + inputSizeBlock + "; every row needs the same number of features");
                }
                inputSize = s.inputSize();
                inputSizeBlock = s.block();
            }
            train += s.trainRows();
            validation += s.validationRows();
            trainWeight += s.trainWeight();
            if (s.trainRows() + s.validationRows() > 0 && s.maxLabel() > maxLabel) {
                maxLabel = s.maxLabel();
                maxLabelWhere = s.maxLabelWhere();
            }
        }
        if (train + validation == 0) {
            throw new IllegalArgumentException("The dataset is empty: there is nothing to train on");
        }
        if (train == 0) {
            throw new IllegalArgumentException("Every row is marked for validation by column " + columns.validation()
                    + "; at least one row must be false to train on");
        }
        if (!(trainWeight > 0)) {
            throw new IllegalArgumentException("Column " + columns.weight() + " (the row weights) sums to "
                    + trainWeight + " over the training rows; at least one weight must be > 0");
        }
        if (inputSize == 0) {
            throw new IllegalArgumentException("Column " + columns.features().name() + " has 0 features; expected at"
                    + " least 1");
        }
        return new Packed(blocks, summaries, inputSize, train, validation, maxLabel, maxLabelWhere, columns.storage());
    }

    /** More blocks than input partitions: spreads rows round-robin by their index, keeping input order. */
    private static JavaRDD<Row> spreadInOrder(JavaRDD<Row> rows, int blockCount) {
        JavaPairRDD<Long, Row> indexed = rows.zipWithIndex().mapToPair(Tuple2::swap);
        return indexed.partitionBy(new HashPartitioner(blockCount)).mapPartitions(it -> {
            List<Tuple2<Long, Row>> list = new ArrayList<>();
            it.forEachRemaining(list::add);
            list.sort((a, b) -> Long.compare(a._1(), b._1()));
            List<Row> out = new ArrayList<>(list.size());
            for (Tuple2<Long, Row> t : list) {
                out.add(t._2());
            }
            return out.iterator();
        }, true);
    }

    private static PackedBlock packBlock(int block, Iterator<Row> rows, Columns c, boolean globalRowNumbers) {
        boolean sparse = c.storage() == FeatureStorage.SPARSE;
        FloatSink trainFeatures = sparse ? null : new FloatSink();
        FloatSink validFeatures = sparse ? null : new FloatSink();
        CsrRows trainSparse = sparse ? new CsrRows(1 << 16) : null;
        CsrRows validSparse = sparse ? new CsrRows(16) : null;
        FloatSink trainLabels = new FloatSink();
        FloatSink trainWeights = c.weight() != null ? new FloatSink() : null;
        FloatSink validLabels = new FloatSink();
        FloatSink validWeights = c.weight() != null ? new FloatSink() : null;
        int inputSize = -1;
        double maxLabel = Double.NEGATIVE_INFINITY;
        String maxLabelWhere = null;
        String error = null;
        long rowNumber = 0;
        int weightIndex = 2;
        int validationIndex = c.weight() != null ? 3 : 2;
        try {
            while (rows.hasNext()) {
                Row row = rows.next();
                String where = globalRowNumbers ? "row " + rowNumber : "row " + rowNumber + " of block " + block;
                boolean isValidation = false;
                if (c.validation() != null) {
                    if (row.isNullAt(validationIndex)) {
                        throw new IllegalArgumentException("Column " + c.validation() + " (validation indicator) is"
                                + " null at " + where + "; expected true or false");
                    }
                    isValidation = row.getBoolean(validationIndex);
                }
                if (inputSize < 0) {
                    inputSize = c.features().size(row, 0, where);
                }
                if (sparse) {
                    CsrRows features = isValidation ? validSparse : trainSparse;
                    MemoryCheck.packedNonZeros(c.features().name(), inputSize, features.rows(), features.nonZeros(),
                            block, c.heapTaken());
                    c.features().readSparse(row, 0, inputSize, features, where);
                    features.endRow();
                } else {
                    FloatSink features = isValidation ? validFeatures : trainFeatures;
                    MemoryCheck.packedRows(c.features().name(), inputSize, features.size() / Math.max(1, inputSize),
                            block, c.heapTaken());
                    float[] target = features.reserve(inputSize);
                    c.features().read(row, 0, inputSize, target, features.offset(), where);
                }
                double label = label(row, c, where);
                (isValidation ? validLabels : trainLabels).add((float) label);
                if (label > maxLabel) {
                    maxLabel = label;
                    maxLabelWhere = where;
                }
                if (c.weight() != null) {
                    (isValidation ? validWeights : trainWeights).add(weight(row, weightIndex, c.weight(), where));
                }
                rowNumber++;
            }
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
        }
        if (error != null) {
            return new PackedBlock(block, inputSize, PackedBlock.Part.EMPTY, PackedBlock.Part.EMPTY, error,
                    maxLabel, maxLabelWhere);
        }
        return new PackedBlock(block, inputSize,
                sparse ? part(trainSparse, trainLabels, trainWeights) : part(trainFeatures, trainLabels, trainWeights),
                sparse ? part(validSparse, validLabels, validWeights) : part(validFeatures, validLabels, validWeights),
                null, maxLabel, maxLabelWhere);
    }

    private static PackedBlock.Part part(FloatSink features, FloatSink labels, FloatSink weights) {
        int rows = (int) labels.size();
        if (rows == 0) {
            return PackedBlock.Part.EMPTY;
        }
        return new PackedBlock.Part(rows, features.toArray("features"), labels.toArray("labels"),
                weights == null ? null : weights.toArray("weights"));
    }

    private static PackedBlock.Part part(CsrRows features, FloatSink labels, FloatSink weights) {
        int rows = (int) labels.size();
        if (rows == 0) {
            return PackedBlock.Part.EMPTY;
        }
        CsrRows.Trimmed csr = features.trimmed();
        return new PackedBlock.Part(rows, csr.values(), labels.toArray("labels"),
                weights == null ? null : weights.toArray("weights"), csr.rowStarts(), csr.indices());
    }

    private static double label(Row row, Columns c, String where) {
        if (row.isNullAt(1)) {
            throw new IllegalArgumentException("Column " + c.label() + " (the label) is null at " + where);
        }
        double label = ((Number) row.get(1)).doubleValue();
        if (!Double.isFinite(label) || !Float.isFinite((float) label)) {
            throw new IllegalArgumentException("Column " + c.label() + " (the label) is " + label + " at " + where
                    + "; labels must be finite");
        }
        if (c.classLabels() && (label < 0 || label != Math.rint(label))) {
            throw new IllegalArgumentException("Column " + c.label() + " (the label) is " + label + " at " + where
                    + "; class labels must be whole numbers 0, 1, 2, ...");
        }
        return label;
    }

    private static float weight(Row row, int index, String column, String where) {
        if (row.isNullAt(index)) {
            throw new IllegalArgumentException("Column " + column + " (the row weight) is null at " + where);
        }
        double w = ((Number) row.get(index)).doubleValue();
        if (!(w >= 0) || !Float.isFinite((float) w)) {
            throw new IllegalArgumentException("Column " + column + " (the row weight) is " + w + " at " + where
                    + "; weights must be finite and >= 0");
        }
        return (float) w;
    }
}

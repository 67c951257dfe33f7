package io.kortexdl.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Packs a training DataFrame once into {@link PackedBlock}s, one per executor ({@link BlockPacker}):
 * float32 chunks of dense rows, or of compressed sparse rows when {@link FeatureStorage} says so,
 * kept on the heap or on the executor's local disk as {@link BlockStorage} says. Spark caches the
 * blocks (for a block on disk, its handle). Row order within a block follows the input, so
 * packing is deterministic and a block recomputed after an executor loss is identical.
 */
final class DataPacker {
    private DataPacker() {
    }

    /**
     * Which columns hold what, resolved against the schema by the estimator, and how the rows are
     * packed: features dense or sparse ({@code storage}), in chunks of {@code rowsPerChunk} rows,
     * kept where {@code blockStorage} says within {@code budget}.
     */
    record Columns(FeatureColumn features, String label, boolean classLabels, String weight, String validation,
                   FeatureStorage storage, int rowsPerChunk, BlockStorage blockStorage, MemoryCheck.Budget budget)
            implements Serializable {
    }

    /**
     * The packed, cached blocks and what the driver knows of them.
     *
     * @param rowsPerChunk rows per chunk of every block
     * @param spills the spill id of each block's chunks on local disk
     */
    record Packed(JavaRDD<PackedBlock> blocks, List<PackedBlock.Summary> summaries, int inputSize, long trainRows,
                  long validationRows, double maxLabel, String maxLabelWhere, FeatureStorage storage, int rowsPerChunk,
                  int[] spills) {

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

        /**
         * How the blocks' rows are shuffled when a block on disk streams in windows of
         * {@code windowChunks} chunks: {@link Checkpoint.Fingerprint#WHOLE_BLOCKS} when every block is
         * shuffled whole (on the heap, or on disk within one window), else which blocks stream in
         * which windows. A checkpoint records it: a resumed fit must shuffle alike.
         */
        String rowOrder(int windowChunks) {
            List<Integer> windowed = new ArrayList<>();
            for (PackedBlock.Summary s : summaries) {
                if (s.storage().onDisk() && ((long) s.trainRows() + rowsPerChunk - 1) / rowsPerChunk > windowChunks) {
                    windowed.add(s.block());
                }
            }
            return windowed.isEmpty() ? Checkpoint.Fingerprint.WHOLE_BLOCKS : "blocks " + windowed
                    + " streamed in windows of " + windowChunks + " chunks of " + rowsPerChunk + " rows";
        }

        /** Whether some block is on local disk. */
        boolean onDisk() {
            return summaries.stream().anyMatch(s -> s.storage().onDisk());
        }

        /**
         * Uncaches the blocks and deletes the chunks of the blocks on disk from every executor,
         * waiting until they are gone. Blocks kept on the heap wrote none (a packing task that
         * failed removed its own), so a fit all on the heap asks the executors nothing more.
         */
        void release() {
            DataPacker.release(blocks, summaries.stream().filter(s -> s.storage().onDisk())
                    .mapToInt(s -> spills[s.block()]).toArray());
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
        int[] spills = new int[blockCount];
        for (int b = 0; b < blockCount; b++) {
            spills[b] = SpillStore.newSpillId(dataset.sparkSession().sparkContext());
        }
        JavaRDD<Row> grouped = rows.getNumPartitions() >= blockCount
                ? rows.rdd().coalesce(blockCount, false, scala.Option.apply(new ContiguousCoalescer()), null).toJavaRDD()
                : spreadInOrder(rows, blockCount);
        boolean globalRowNumbers = blockCount == 1;
        JavaRDD<PackedBlock> blocks = grouped.mapPartitionsWithIndex((index, it) -> {
            // A task that fails or is killed leaves none of its chunks behind; a retry writes them again.
            org.apache.spark.TaskContext.get().addTaskFailureListener(
                    (org.apache.spark.util.TaskFailureListener) (context, error) -> SpillStore.removeLocal(spills[index]));
            return List.of(new BlockPacker(index, columns, spills[index], globalRowNumbers).pack(it)).iterator();
        }, true);
        blocks.persist(StorageLevel.MEMORY_AND_DISK());
        blocks.setName("KortexDL packed training data");
        boolean packed = false;
        try {
            List<PackedBlock.Summary> summaries = blocks.map(PackedBlock::summary).collect();
            Packed result = checked(blocks, summaries, columns, spills);
            packed = true;
            return result;
        } finally {
            // Whatever went wrong (bad rows, a failed task, a lost executor, an Error), nothing stays cached.
            if (!packed) {
                release(blocks, spills);
            }
        }
    }

    /** Uncaches {@code blocks} and deletes the chunks of {@code spills} from every executor's disk. */
    private static void release(JavaRDD<PackedBlock> blocks, int[] spills) {
        blocks.unpersist(false);
        for (int spill : spills) {
            SpillStore.removeEverywhere(spill);
        }
    }

    private static Packed checked(JavaRDD<PackedBlock> blocks, List<PackedBlock.Summary> summaries, Columns columns,
                                  int[] spills) {
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
        return new Packed(blocks, summaries, inputSize, train, validation, maxLabel, maxLabelWhere, columns.storage(),
                columns.rowsPerChunk(), spills);
    }

    /**
     * More blocks than input partitions: spreads rows round-robin by their index, keeping input
     * order; Spark's sort spills to disk, so a partition need not fit the heap.
     */
    private static JavaRDD<Row> spreadInOrder(JavaRDD<Row> rows, int blockCount) {
        JavaPairRDD<Long, Row> indexed = rows.zipWithIndex().mapToPair(Tuple2::swap);
        return indexed.repartitionAndSortWithinPartitions(new HashPartitioner(blockCount)).values();
    }
}

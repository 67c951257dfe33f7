package io.kortexdl.spark;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs one partition's rows, in input order, into a {@link PackedBlock}: each row is checked and
 * read into the current chunk of its part (training or validation), and each full chunk is kept
 * on the heap or written to local disk, as the fit's {@link BlockStorage} decides for the block.
 * The whole block never has to be held twice, nor on the heap at all when it goes to disk.
 *
 * <p>Under {@link BlockStorage#AUTO} the chunks stay on the heap until they pass the block budget
 * ({@link MemoryCheck.Budget#autoLimit}); then the chunks so far and every later one go to disk.
 * Under {@link BlockStorage#MEMORY} a block past {@link MemoryCheck.Budget#memoryLimit} is read to
 * its end, counting, so that the refusal states the whole block's size. A chunk the disk refuses
 * (full, unwritable) does the same, and the chunks written are removed.
 */
final class BlockPacker {
    private static final Logger LOG = LoggerFactory.getLogger(BlockPacker.class);
    /** The spill numbers of validation chunks start here; training chunks start at 0. */
    static final int VALIDATION_CHUNKS = 1 << 30;

    /** What happens to the next sealed chunk. */
    private enum Mode {
        /** Kept on the heap. */
        KEEP,
        /** Written to local disk. */
        WRITE,
        /** Counted only: the block cannot be stored (over the memory limit, or the disk refused it). */
        COUNT
    }

    private final int block;
    private final DataPacker.Columns columns;
    private final int spill;
    private final boolean globalRowNumbers;
    private final PartWriter train;
    private final PartWriter validation;
    private Mode mode;
    private long heapBytes;
    private long blockBytes;
    private String storageReason;
    /** Why the disk refused a chunk, and its directory; null while it has not. */
    private String diskFailure;
    private java.io.File failedDirectory;
    private ByteBuffer encoded;
    private int inputSize = -1;
    private double maxLabel = Double.NEGATIVE_INFINITY;
    private String maxLabelWhere;
    private double labelMean;
    private double labelSquaredDeviations;

    /**
     * @param spill the spill id of this block's chunks on disk
     * @param globalRowNumbers whether rows are named by their number in the whole input (one block)
     */
    BlockPacker(int block, DataPacker.Columns columns, int spill, boolean globalRowNumbers) {
        this.block = block;
        this.columns = columns;
        this.spill = spill;
        this.globalRowNumbers = globalRowNumbers;
        this.train = new PartWriter(0);
        this.validation = new PartWriter(VALIDATION_CHUNKS);
        this.mode = columns.blockStorage() == BlockStorage.DISK ? Mode.WRITE : Mode.KEEP;
        this.storageReason = columns.blockStorage() == BlockStorage.DISK ? "blockStorage is disk"
                : columns.blockStorage() == BlockStorage.MEMORY ? "blockStorage is memory"
                : "auto: within the " + MemoryCheck.bytes(columns.budget().autoLimit()) + " block budget of "
                        + columns.budget().describe();
    }

    /** Packs {@code rows}; bad data ends packing and is reported in the block's {@link PackedBlock#error}. */
    PackedBlock pack(Iterator<Row> rows) {
        FeatureColumn features = columns.features();
        long rowNumber = 0;
        int weightIndex = 2;
        int validationIndex = columns.weight() != null ? 3 : 2;
        try {
            while (rows.hasNext()) {
                Row row = rows.next();
                String where = globalRowNumbers ? "row " + rowNumber : "row " + rowNumber + " of block " + block;
                boolean isValidation = false;
                if (columns.validation() != null) {
                    if (row.isNullAt(validationIndex)) {
                        throw new IllegalArgumentException("Column " + columns.validation() + " (validation"
                                + " indicator) is null at " + where + "; expected true or false");
                    }
                    isValidation = row.getBoolean(validationIndex);
                }
                if (inputSize < 0) {
                    inputSize = features.size(row, 0, where);
                }
                PartWriter part = isValidation ? validation : train;
                part.readFeatures(row, where);
                double label = label(row, where);
                float weight = columns.weight() != null ? weight(row, weightIndex, columns.weight(), where) : 1f;
                part.endRow((float) label, weight);
                if (!isValidation) {
                    int n = train.rows;
                    double delta = (float) label - labelMean;
                    labelMean += delta / n;
                    labelSquaredDeviations += delta * ((float) label - labelMean);
                }
                if (label > maxLabel) {
                    maxLabel = label;
                    maxLabelWhere = where;
                }
                rowNumber++;
            }
            train.seal();
            validation.seal();
        } catch (IllegalArgumentException e) {
            dropSpill();
            return failed(e.getMessage());
        }
        if (mode == Mode.COUNT) {
            return failed(refusal());
        }
        boolean onDisk = mode == Mode.WRITE;
        BlockStorage.Choice choice = new BlockStorage.Choice(onDisk, blockBytes, storageReason);
        return new PackedBlock(block, inputSize, train.finish(onDisk), validation.finish(onDisk), null, maxLabel,
                maxLabelWhere, labelMean, labelSquaredDeviations, choice);
    }

    private PackedBlock failed(String error) {
        PackedBlock.Part empty = PackedBlock.Part.empty(columns.rowsPerChunk(), sparse());
        return new PackedBlock(block, inputSize, empty, empty, error, maxLabel, maxLabelWhere, 0, 0,
                new BlockStorage.Choice(false, blockBytes, ""));
    }

    private boolean sparse() {
        return columns.storage() == FeatureStorage.SPARSE;
    }

    /** Takes a sealed chunk of {@code part} as the block's storage says. */
    private void accept(PartWriter part, RowChunk chunk) {
        blockBytes += chunk.bytes();
        switch (mode) {
            case KEEP -> {
                part.kept.add(chunk);
                heapBytes += chunk.bytes();
                MemoryCheck.Budget budget = columns.budget();
                if (columns.blockStorage() == BlockStorage.AUTO && heapBytes > budget.autoLimit()) {
                    mode = Mode.WRITE;
                    storageReason = String.format(Locale.ROOT, "auto: more than the %s block budget of %s",
                            MemoryCheck.bytes(budget.autoLimit()), budget.describe());
                    LOG.info("KortexDL: block {} passed {} of packed rows, more than the {} block budget of {}: it goes"
                            + " to local disk", block, MemoryCheck.bytes(heapBytes), MemoryCheck.bytes(budget.autoLimit()),
                            budget.describe());
                    for (PartWriter kept : List.of(train, validation)) {
                        for (RowChunk k : kept.kept) {
                            write(kept, k);
                        }
                        kept.kept.clear();
                    }
                    heapBytes = 0;
                } else if (columns.blockStorage() == BlockStorage.MEMORY && heapBytes > budget.memoryLimit()) {
                    mode = Mode.COUNT;
                    train.kept.clear();
                    validation.kept.clear();
                }
            }
            case WRITE -> write(part, chunk);
            case COUNT -> {
            }
            default -> throw new AssertionError(mode);
        }
    }

    private void write(PartWriter part, RowChunk chunk) {
        if (mode == Mode.COUNT) {
            return;
        }
        int bytes = ChunkCodec.encodedBytes(chunk);
        if (encoded == null || encoded.capacity() < bytes) {
            encoded = ByteBuffer.allocateDirect(Math.max(bytes, encoded == null ? 0 : 2 * encoded.capacity()));
        }
        ChunkCodec.Stamp stamp = ChunkCodec.encode(chunk, encoded);
        int id = part.firstChunk + part.stamps.size();
        try {
            SpillStore.put(spill, id, encoded);
        } catch (java.io.IOException | RuntimeException e) {
            failedDirectory = SpillStore.directory(spill, id);
            diskFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
            mode = Mode.COUNT;
            dropSpill();
            return;
        }
        if (train.stamps.isEmpty() && validation.stamps.isEmpty()) {
            java.io.File directory = SpillStore.directory(spill, id);
            LOG.info("KortexDL: block {} writes its packed rows to Spark's local directory {} ({} free)", block,
                    directory, MemoryCheck.bytes(directory.getUsableSpace()));
        }
        part.stamps.add(stamp);
    }

    /** Removes the chunks this block wrote on this executor. */
    private void dropSpill() {
        if (train.stamps.isEmpty() && validation.stamps.isEmpty()) {
            return;
        }
        train.stamps.clear();
        validation.stamps.clear();
        SpillStore.removeLocal(spill);
    }

    /** The refusal of a block over the memory limit, or of one the disk would not take, with the whole block's size. */
    private String refusal() {
        String size = "block " + block + " holds " + String.format(Locale.ROOT, "%,d", train.rows + validation.rows)
                + " rows, " + MemoryCheck.bytes(blockBytes) + " packed";
        if (failedDirectory != null) {
            return "KortexDL could not write the packed rows of block " + block + " to Spark's local directory "
                    + failedDirectory + " (" + MemoryCheck.bytes(failedDirectory.getUsableSpace()) + " free): "
                    + diskFailure + "; " + size + ". Point spark.local.dir (SPARK_LOCAL_DIRS, or the cluster manager's"
                    + " local directories) at a disk with room, or use more executors";
        }
        return "Column " + columns.features().name() + " has " + inputSize + " features per row: " + size + ", more"
                + " than the " + MemoryCheck.bytes(columns.budget().memoryLimit()) + " blockStorage=memory allows in "
                + columns.budget().describe() + ". Use blockStorage=auto or disk to train from local disk, more"
                + " executors, or more executor memory";
    }

    private double label(Row row, String where) {
        if (row.isNullAt(1)) {
            throw new IllegalArgumentException("Column " + columns.label() + " (the label) is null at " + where);
        }
        double label = ((Number) row.get(1)).doubleValue();
        if (!Double.isFinite(label) || !Float.isFinite((float) label)) {
            throw new IllegalArgumentException("Column " + columns.label() + " (the label) is " + label + " at " + where
                    + "; labels must be finite");
        }
        if (columns.classLabels() && (label < 0 || label != Math.rint(label))) {
            throw new IllegalArgumentException("Column " + columns.label() + " (the label) is " + label + " at " + where
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

    /** The rows of one kind being packed: the chunk being filled, and the chunks sealed. */
    private final class PartWriter {
        final int firstChunk;
        final List<RowChunk> kept = new ArrayList<>();
        final List<ChunkCodec.Stamp> stamps = new ArrayList<>();
        int rows;
        long storedValues;
        double weightSum;
        private int perChunk;
        private float[] dense;
        private CsrRows csr;
        private float[] labels;
        private float[] weights;
        private int inChunk;

        PartWriter(int firstChunk) {
            this.firstChunk = firstChunk;
            this.perChunk = columns.rowsPerChunk();
        }

        /** Reads the row's features into the chunk being filled. */
        void readFeatures(Row row, String where) {
            if (labels == null) {
                if (!sparse() && (long) perChunk * inputSize > Integer.MAX_VALUE - 8) {
                    perChunk = RowChunk.rowsPerChunk(4L * inputSize); // wider rows than the first ones: refused later
                }
                labels = new float[perChunk];
                weights = columns.weight() != null ? new float[perChunk] : null;
                if (sparse()) {
                    csr = csr == null ? new CsrRows(Math.min(perChunk * 16, 1 << 20)) : csr;
                } else {
                    dense = new float[perChunk * inputSize];
                }
            }
            if (sparse()) {
                columns.features().readSparse(row, 0, inputSize, csr, where);
                csr.endRow();
            } else {
                columns.features().read(row, 0, inputSize, dense, inChunk * inputSize, where);
            }
        }

        /** Ends the row with its label and weight; seals the chunk when it is full. */
        void endRow(float label, float weight) {
            labels[inChunk] = label;
            if (weights != null) {
                weights[inChunk] = weight;
            }
            weightSum += weight;
            inChunk++;
            rows++;
            if (inChunk == perChunk) {
                seal();
            }
        }

        /** Hands the chunk being filled, if it holds rows, to the block's storage. */
        void seal() {
            if (inChunk == 0) {
                return;
            }
            int n = inChunk;
            RowChunk chunk;
            if (sparse()) {
                CsrRows.Trimmed trimmed = csr.trimmed();
                csr.clear();
                chunk = new RowChunk(n, inputSize, trimmed.values(), trimmed.rowStarts(), trimmed.indices(),
                        java.util.Arrays.copyOf(labels, n), weights == null ? null : java.util.Arrays.copyOf(weights, n));
            } else {
                float[] features = n == perChunk ? dense : java.util.Arrays.copyOf(dense, n * inputSize);
                chunk = new RowChunk(n, inputSize, features, null, null,
                        n == perChunk ? labels : java.util.Arrays.copyOf(labels, n),
                        weights == null ? null : n == perChunk ? weights : java.util.Arrays.copyOf(weights, n));
                dense = null;
            }
            storedValues += chunk.values();
            labels = null;
            weights = null;
            inChunk = 0;
            accept(this, chunk);
        }

        /** The part packed, on disk or on the heap. */
        PackedBlock.Part finish(boolean onDisk) {
            if (onDisk) {
                return PackedBlock.Part.onDisk(rows, perChunk, sparse(), spill, firstChunk,
                        stamps.toArray(new ChunkCodec.Stamp[0]), storedValues, weightSum);
            }
            return PackedBlock.Part.onHeap(perChunk, sparse(), kept.toArray(new RowChunk[0]), weightSum);
        }
    }
}

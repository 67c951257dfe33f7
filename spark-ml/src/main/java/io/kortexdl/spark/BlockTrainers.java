package io.kortexdl.spark;

import io.kortexdl.kernels.LossType;
import io.kortexdl.spark.executor.BlockData;
import io.kortexdl.spark.executor.BlockTrainer;
import io.kortexdl.spark.executor.TrainerRegistry;

/**
 * This JVM's trainers of packed training blocks: a {@link TrainerRegistry} whose values are made
 * from a fit's {@link TrainingSpec} and the block read from Spark's cache, and keep the block for
 * the fit's validation passes.
 */
final class BlockTrainers {
    /** How long a trainer nobody uses is kept: longer than any pause between a fit's epochs. */
    static final long IDLE_MS = 10 * 60_000;
    private static final TrainerRegistry<Held> REGISTRY = new TrainerRegistry<>(IDLE_MS);

    /** A block and its trainer. */
    record Held(PackedBlock block, BlockTrainer trainer) implements AutoCloseable {
        @Override
        public void close() {
            trainer.close();
        }
    }

    private BlockTrainers() {
    }

    /**
     * This JVM's trainer of block {@code block} of fit {@code spec}, built on first use from the
     * cached RDD {@code rddId} (read from this executor's cache or fetched from another's), leased
     * until the lease is closed; null when no copy of the block is left.
     */
    static TrainerRegistry.Lease<Held> acquire(TrainingSpec spec, int block, int rddId) {
        return REGISTRY.acquire(spec.runId(), block, () -> {
            PackedBlock packed = BlockPlacement.fetch(rddId, block);
            if (packed == null) {
                return null;
            }
            PackedBlock.Part part = packed.train;
            BlockData data = new BlockData(block, part.rows, part.sparse() ? null : part.features,
                    part.sparse() ? part.sparseRows(packed.inputSize) : null, targets(spec, part));
            return new Held(packed, new BlockTrainer(spec.newNetwork(null), data, spec.trainerSettings()));
        });
    }

    /** Block {@code block}, from this JVM's trainer when it holds it, else from Spark's cache; null if lost. */
    static PackedBlock block(String runId, int block, int rddId) {
        Held held = REGISTRY.held(runId, block);
        return held != null ? held.block() : BlockPlacement.fetch(rddId, block);
    }

    /** Closes the trainers of fit {@code runId} held by this JVM. */
    static void release(String runId) {
        REGISTRY.release(runId);
    }

    /**
     * Targets as the loss reads them: one-hot rows scaled by the row weight for classification
     * (softmax cross-entropy's gradient {@code p * sum(t) - t} then weighs each row exactly),
     * the standardized label for regression ({@link TrainingSpec#labelScaling()}).
     */
    static float[] targets(TrainingSpec spec, PackedBlock.Part part) {
        if (spec.loss() != LossType.CROSS_ENTROPY) {
            float[] out = new float[part.rows];
            for (int r = 0; r < part.rows; r++) {
                out[r] = spec.labelScaling().standardize(part.labels[r]);
            }
            return out;
        }
        int classes = spec.outputSize();
        float[] out = new float[part.rows * classes];
        for (int r = 0; r < part.rows; r++) {
            out[r * classes + (int) part.labels[r]] = part.weights == null ? 1f : part.weights[r];
        }
        return out;
    }
}

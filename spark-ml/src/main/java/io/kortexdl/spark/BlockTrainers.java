package io.kortexdl.spark;

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
            BlockData data = new BlockData(block, new PackedRows(packed, spec), spec.inputSize(), spec.outputSize(),
                    spec.windowChunks());
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
     * Forgets block {@code block} of fit {@code runId}, a chunk of whose rows on disk is lost or
     * failed its check (and was removed): its cached handle everywhere, so that the driver packs
     * it again from the source (rewriting the chunks missing where it packs), and this JVM's
     * trainer of it.
     */
    static void forget(String runId, int rddId, int block) {
        BlockPlacement.forget(rddId, block);
        REGISTRY.release(runId, block);
    }
}

/**
 * What runs on an executor while a fit trains, independent of how Spark schedules it: a block's
 * trainer and the steps and syncs of its epochs. The Spark side ({@code EpochTask}) hands in the
 * block's rows, the epoch's {@link io.kortexdl.spark.executor.EpochRequest}, a connected
 * {@link io.kortexdl.spark.collective.Collective} and the rows of every block; it gets back an
 * {@link io.kortexdl.spark.executor.EpochResult} and, from block 0, the
 * {@link io.kortexdl.spark.executor.TrainingState} the epoch ends with.
 *
 * <ul>
 *   <li>{@link io.kortexdl.spark.executor.TrainerRegistry}: the trainers a JVM keeps between a
 *       fit's epochs, keyed by fit and block; its lock is never held while a trainer's threads
 *       start or stop.</li>
 *   <li>{@link io.kortexdl.spark.executor.BlockTrainer}: one block's network and its
 *       multithreaded steps ({@code DenseBlockSteps} or {@code SparseBlockSteps}), and the state
 *       after its last epoch.</li>
 *   <li>{@code EpochRows}: the block's rows in each epoch's order, from a
 *       {@link io.kortexdl.spark.executor.ChunkSource} a chunk at a time into
 *       {@link io.kortexdl.spark.executor.ChunkSlot}s: loaded once when they are on the heap,
 *       streamed in windows with read-ahead when they are on local disk; a chunk that cannot be
 *       loaded raises {@link io.kortexdl.spark.executor.ChunkUnavailableException}.</li>
 *   <li>{@code EpochRun}: one epoch, {@code ExactEpochRun} (gradients summed every step) or
 *       {@code AveragedEpochRun} (parameters averaged every K steps), following the
 *       {@link io.kortexdl.spark.executor.EpochPlan} every block derives alike, exchanging the
 *       {@code SyncRanges} that may differ between blocks, in the
 *       {@link io.kortexdl.spark.executor.EpochOrder} of the fit's seed.</li>
 * </ul>
 */
package io.kortexdl.spark.executor;

/**
 * The multilayer-perceptron engine, usable without Spark: dense layers as GEMMs on a BLAS backend,
 * a sparse first layer for wide sparse inputs, losses, optimizers, and data-parallel training on
 * all cores.
 *
 * <h2>Main types</h2>
 * <ul>
 *   <li>{@link io.kortexdl.kernels.Network} (built by {@link io.kortexdl.kernels.Network.Builder}):
 *       forward, trainBatch, evaluate, save and load; safe for many threads.</li>
 *   <li>{@link io.kortexdl.kernels.ParallelTrainer}: one network trained by a team of worker
 *       threads placed on NUMA nodes ({@link io.kortexdl.kernels.NumaTopology}); the engine of
 *       each Spark executor.</li>
 *   <li>{@link io.kortexdl.kernels.blas}: the BLAS backends a network computes on
 *       ({@link io.kortexdl.kernels.blas.Blas}) and the native library's own threads.</li>
 *   <li>{@link io.kortexdl.kernels.LossType}, {@link io.kortexdl.kernels.Activation},
 *       {@link io.kortexdl.kernels.OptimizerKind}, {@link io.kortexdl.kernels.LearningRateSchedule},
 *       {@link io.kortexdl.kernels.ParameterLayout} (the flat parameter vector),
 *       {@link io.kortexdl.kernels.Permutations} (the row orders of epochs).</li>
 *   <li>{@link io.kortexdl.kernels.onnx}: a network written as an ONNX model
 *       ({@code Network.writeOnnx}, {@code OnnxExport}).</li>
 * </ul>
 *
 * <h2>The route of a training step</h2>
 * {@code Network.trainBatch} runs {@code NetworkEngine}: {@code Propagation} computes the forward
 * pass and the gradients layer by layer with GEMMs on the network's {@code Blas}, {@code Losses}
 * gives the loss and its gradient, and the {@code Optimizer} (SGD, momentum, Adam) updates the
 * parameters in a {@code ParameterStore}. {@code ParallelTrainer} splits each global batch over its
 * {@code TrainerWorker}s, each with its own {@code Workspace}, sums their gradients in a fixed order
 * between {@code SpinBarrier} phases, and applies one optimizer step, with the native BLAS kept to
 * one thread per call while the workers run. A sparse batch takes the same route, except that
 * {@code Propagation} runs the first layer over the non-zeros, writes only the rows of its weight
 * gradient the batch touches (listed in a {@code RowSet}), reading them into the cache ahead
 * ({@code CacheWarm}), and the optimizer steps only those rows ({@code Optimizer.stepRows}).
 * {@code SparseTrainer} trains a whole partition of sparse rows on several threads
 * ({@code PartRunner}): each thread orders its columns' non-zeros and steps each touched row
 * from a gradient summed in a small buffer ({@code SortedColumnStep},
 * {@code PackedRowsOptimizer}), so no parameter-sized gradient is written.
 */
package io.kortexdl.kernels;

/**
 * Spark ML stages on the KortexDL engine: {@link io.kortexdl.spark.KortexClassifier} /
 * {@link io.kortexdl.spark.KortexClassificationModel} and {@link io.kortexdl.spark.KortexRegressor}
 * / {@link io.kortexdl.spark.KortexRegressionModel}, in Spark MLlib's Estimator/Model layout.
 *
 * <h2>Main types</h2>
 * <ul>
 *   <li>Params: {@link io.kortexdl.spark.KortexParams} (getters, shared by estimators and models)
 *       and {@link io.kortexdl.spark.KortexEstimatorParams} (the setters of the estimators), built
 *       by {@code KortexParamSet}.</li>
 *   <li>Results: {@link io.kortexdl.spark.KortexTrainingSummary} with its
 *       {@link io.kortexdl.spark.EpochRecord}s, {@link io.kortexdl.spark.KortexMetrics},
 *       {@link io.kortexdl.spark.NetworkWeights}, {@link io.kortexdl.spark.TrainingListener},
 *       {@link io.kortexdl.spark.TrainingDivergedException}.</li>
 * </ul>
 *
 * <h2>The route of a fit</h2>
 * {@code fit} calls {@code train}, which hands the dataset to {@code KortexFit}: it checks the
 * schema ({@code FeatureColumn}, {@code SchemaChecks}), measures the features' density
 * ({@code FeatureStorage}), packs the rows into one cached {@code PackedBlock} per executor
 * ({@code DataPacker}, blocks grouped by {@code ContiguousCoalescer}): {@code BlockPacker} reads
 * them into {@code RowChunk}s, dense or as compressed sparse rows ({@code CsrRows}), and keeps them
 * on the heap or writes them to the executor's local disk as the {@code BlockStorage} param and
 * {@code MemoryCheck}'s budget say ({@code ChunkCodec} and {@code SpillStore}, Spark's block store).
 * It then derives the class count, the batch size and, for regression, the {@code LabelScaling},
 * and builds a {@code TrainingSpec}. {@code DistributedTrainer}
 * then runs one Spark job per epoch from its {@code FitState}: the tasks ({@code EpochTask}, one per
 * block, placed by {@code BlockPlacement} and {@code ResourcePlacement}) run together as a barrier
 * stage when there are several blocks. Each attempt of an epoch has an {@code EpochChannel}
 * ({@code InDriverJvmChannel} in local mode, {@code RendezvousChannel} on a cluster): every task
 * joins it with an {@code Announcement}, takes the start state from it only when its trainer lacks
 * it, and block 0 gives the end state back. The tasks train on this JVM's {@code BlockTrainers},
 * the executor runtime of {@link io.kortexdl.spark.executor}, which loads a block's chunks through
 * {@code PackedRows} (from the heap, or streamed from disk), syncing among themselves through the
 * collective of {@link io.kortexdl.spark.collective}. {@code DistributedTrainer.untilComplete} runs
 * an epoch again when blocks were lost or a barrier attempt failed. Between epochs the driver
 * validates ({@code MetricSums}), applies the stopping rules ({@code StopReason}), checkpoints
 * ({@code CheckpointStore}, {@code CheckpointFormat}) and tells the listeners.
 *
 * <h2>The route of a transform</h2>
 * {@code transform} goes through {@code ModelScoring}: each partition is scored in blocks of rows
 * by {@code BlockScoringIterator}, over Spark's internal rows ({@code InternalRowScoring}) or over
 * {@code Row}s ({@code BatchScorer}), reading each block's non-zeros into a {@code FeatureBlock}
 * and running one forward pass per block ({@code ChunkForward}) on the broadcast weights' shared network; {@code evaluate} sums
 * {@code MetricSums} per partition. Models save and load through {@code KortexModelWriter},
 * {@code KortexModelReader} and {@code ModelIO}; {@link io.kortexdl.spark.KortexOnnxWriter} writes them
 * as ONNX files through the kernels' {@code OnnxExport}.
 */
package io.kortexdl.spark;

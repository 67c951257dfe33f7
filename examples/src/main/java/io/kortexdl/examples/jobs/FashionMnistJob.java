package io.kortexdl.examples.jobs;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.JobSession;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import io.kortexdl.spark.KortexMetrics;
import io.kortexdl.spark.data.IdxDataFrames;
import java.util.Arrays;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Trains a {@link KortexClassifier} on Fashion-MNIST and saves the model: the spark-submit job
 * behind {@code ./kortex demo}. Prints one line per epoch, the test accuracy and confusion matrix,
 * and where the model went; the last line is machine-readable:
 * {@code RESULT job=fashion-mnist test_accuracy=... model=... rows_by_executor=...}.
 *
 * <p>Options:
 * <pre>
 *   --data DIR            IDX files as distributed (plain or .gz), on any Hadoop path
 *                         (default: $KORTEX_FASHION_MNIST or /usr/share/datasets/fashion-mnist)
 *   --epochs N            10
 *   --hidden 256,128      hidden layer sizes
 *   --model-out PATH      where to save the model (default fashion-mnist-model)
 *   --overwrite           replace an existing model at PATH (otherwise the job refuses before training)
 *   --master URL          overrides spark-submit's master (default local[*] outside spark-submit)
 *   --batch N --lr X --sync-interval K --threads N --seed S
 *   --train-rows N --test-rows N   use the first N rows only
 *   --partitions N        input partitions (default: Spark's default parallelism)
 *   --checkpoint-dir PATH a checkpoint every --checkpoint-interval epochs (default 1), newest 2 kept
 *   --resume              continue from the newest checkpoint in --checkpoint-dir
 *   --train-parquet PATH  training rows from Parquet (columns features and label, as FashionMnistParquet
 *                         writes them), read as they are, not cached; the test rows still come from --data
 *   --block-storage auto|memory|disk, --disk-window-mb N   where the executors keep the packed rows
 * </pre>
 * Exits with status 2 on a bad option.
 */
public final class FashionMnistJob {
    private FashionMnistJob() {
    }

    /** Runs the job; exits with status 2 on a bad option and 1 on a bad path or input. */
    public static void main(String[] argv) throws Exception {
        JobSession.exitOnUserError(() -> run(argv));
    }

    private static void run(String[] argv) throws Exception {
        Args a = new Args(argv);
        String data = a.value("--data", System.getenv().getOrDefault("KORTEX_FASHION_MNIST",
                "/usr/share/datasets/fashion-mnist"));
        int epochs = a.intValue("--epochs", 10);
        int[] hidden = a.intList("--hidden", new int[] {256, 128});
        String modelOut = a.value("--model-out", "fashion-mnist-model");
        boolean overwrite = a.flag("--overwrite");
        String master = a.value("--master", null);
        int batch = a.intValue("--batch", 128);
        double lr = a.doubleValue("--lr", 1e-3);
        int syncInterval = a.intValue("--sync-interval", 64);
        int threads = a.intValue("--threads", 0);
        long seed = a.intValue("--seed", 7);
        int trainRows = a.intValue("--train-rows", Integer.MAX_VALUE);
        int testRows = a.intValue("--test-rows", Integer.MAX_VALUE);
        int partitions = a.intValue("--partitions", 0);
        String checkpointDir = a.value("--checkpoint-dir", null);
        int checkpointInterval = a.intValue("--checkpoint-interval", 1);
        boolean resume = a.flag("--resume");
        String trainParquet = a.value("--train-parquet", null);
        String blockStorage = a.value("--block-storage", "auto");
        int diskWindow = a.intValue("--disk-window-mb", new KortexClassifier().getDiskWindowInMB());
        a.finish();
        if (resume && checkpointDir == null) {
            Args.fail("--resume needs --checkpoint-dir");
        }

        SparkSession spark = JobSession.start("KortexDL Fashion-MNIST", master);
        try {
            String target = JobSession.qualified(spark, modelOut);
            JobSession.refuseExisting(spark, modelOut, overwrite, "--model-out");
            int parts = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
            // Large training data is read as it is: packing reads it once (see the README on .cache()).
            Dataset<Row> train = trainParquet != null ? spark.read().parquet(trainParquet).select("features", "label")
                    : IdxDataFrames.readMnist(spark, data, "train", parts, trainRows).cache();
            Dataset<Row> test = IdxDataFrames.readMnist(spark, data, "t10k", parts, testRows).cache();
            if (trainParquet != null) {
                System.out.printf("Training rows from %s (not counted: read once, by the fit), %d test rows from %s,"
                        + " master %s%n", trainParquet, test.count(), data, spark.sparkContext().master());
            } else {
                System.out.printf("Fashion-MNIST from %s: %d training rows, %d test rows, %d partitions, master %s%n",
                        data, train.count(), test.count(), parts, spark.sparkContext().master());
            }
            System.out.printf("Training 784-%s-10, %d epochs, batch %d, Adam lr %s (cosine)%n",
                    Arrays.toString(hidden).replaceAll("[\\[\\] ]", "").replace(',', '-'), epochs, batch, lr);

            KortexClassifier classifier = new KortexClassifier().setHiddenLayers(hidden).setMaxIter(epochs)
                    .setBatchSize(batch).setStepSize(lr).setSyncInterval(syncInterval).setNumThreads(threads)
                    .setSeed(seed).setBlockStorage(blockStorage).setDiskWindowInMB(diskWindow);
            if (checkpointDir != null) {
                classifier.setCheckpointDir(checkpointDir).setCheckpointInterval(checkpointInterval);
                if (resume) {
                    classifier.setResumeFrom(checkpointDir);
                    System.out.println("Resuming from the newest checkpoint in " + JobSession.qualified(spark,
                            checkpointDir));
                }
            }
            classifier.addTrainingListener(r -> System.out.printf("epoch %d/%d  loss %.4f  %.1f s  %,.0f rows/s%n",
                    r.epoch(), r.maxIter(), r.loss(), r.seconds(), r.samplesPerSecond()));
            KortexClassificationModel model = classifier.fit(train);

            KortexMetrics metrics = model.evaluate(test);
            System.out.printf("Test accuracy: %.2f %% (loss %.4f, %d rows)%n", 100 * metrics.accuracy(), metrics.loss(),
                    metrics.rows());
            System.out.println("Confusion matrix (rows: true class, columns: predicted):");
            System.out.print(ConfusionMatrix.of(model.transform(test), FashionMnistClasses.NAMES.length)
                    .format(FashionMnistClasses.NAMES));
            Map<String, Long> rowsByExecutor = model.summary().rowsByExecutor();
            System.out.println("Rows trained per executor: " + rowsByExecutor);

            model.write().overwrite().save(modelOut);
            System.out.println("Model saved to " + target);
            System.out.printf("RESULT job=fashion-mnist test_accuracy=%.4f epochs=%d model=%s rows_by_executor=%s%n",
                    metrics.accuracy(), model.summary().totalIterations(), target,
                    rowsByExecutor.toString().replace(" ", ""));
        } finally {
            spark.stop();
        }
    }
}

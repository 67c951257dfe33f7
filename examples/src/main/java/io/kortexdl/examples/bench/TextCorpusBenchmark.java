package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.DebianDescriptions;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IDF;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.Tokenizer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ./kortex bench text}: a real text corpus, Debian's package descriptions labelled with
 * their Section ({@link DebianDescriptions}: 64,437 rows, 58 classes, a fixed 80/20 split), in
 * {@code local[2]}. Features: {@code Tokenizer -> HashingTF (2^18) -> IDF}, fitted on the
 * training rows and shared by every model; then, on the same features:
 * <ul>
 *   <li>{@code KortexClassifier} with only {@code setHiddenLayers(64)} (otherwise defaults);</li>
 *   <li>MLlib's {@code LogisticRegression} with its defaults (multinomial, L-BFGS, 100 iterations);</li>
 *   <li>MLlib's {@code MultilayerPerceptronClassifier} with the same layers, on the first
 *       {@code --mlpc-rows} training rows and {@code --mlpc-iter} iterations: it stacks its input
 *       into dense blocks, 2 MiB a row at this width. An {@code OutOfMemoryError} in a Spark task
 *       ends the JVM, so the launcher runs this model in a JVM of its own, for 10 minutes at most,
 *       and reports its failure.</li>
 * </ul>
 * Lines: {@code RESULT bench=text model=... test_accuracy=... fit_s=...}.
 *
 * <p>Arguments: {@code [--models kortex,logistic,mlpc] [--mlpc-rows 1000] [--mlpc-iter 10]}.
 */
public final class TextCorpusBenchmark {

    private TextCorpusBenchmark() {
    }

    /** Runs the benchmark; see the class comment for the arguments. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int mlpcRows = args.intValue("--mlpc-rows", 1000);
        int mlpcIterations = args.intValue("--mlpc-iter", 10);
        java.util.List<String> models = java.util.Arrays.asList(args.value("--models", "kortex,logistic,mlpc")
                .split(","));
        args.finish();
        SparkSession spark = SparkBench.session("local[2]");
        try {
            Features features = Features.of(spark);
            SparkBench.result("bench=text-corpus rows=" + DebianDescriptions.PACKAGES + " train_rows=" + features.trainRows
                    + " test_rows=" + features.testRows + " classes=" + features.classes + " features=" + (1 << 18)
                    + " featurize_s=" + SparkBench.f(features.seconds));
            if (models.contains("kortex")) {
                long start = System.nanoTime();
                KortexClassificationModel kortex = new KortexClassifier().setHiddenLayers(64).fit(features.train);
                report("kortex_hidden64", kortex.transform(features.test), start, " sparse_features="
                        + kortex.summary().sparseFeatures() + " epochs=" + kortex.summary().totalIterations());
            }
            if (models.contains("logistic")) {
                long start = System.nanoTime();
                report("mllib_logistic_regression", new LogisticRegression().fit(features.train)
                        .transform(features.test), start, "");
            }
            if (models.contains("mlpc")) {
                long start = System.nanoTime();
                Dataset<Row> subset = features.train.limit(mlpcRows).cache();
                Dataset<Row> scored = new MultilayerPerceptronClassifier()
                        .setLayers(new int[] {1 << 18, 64, features.classes}).setMaxIter(mlpcIterations)
                        .fit(subset).transform(features.test);
                report("mllib_mlpc_hidden64", scored, start, " train_rows_used=" + mlpcRows + " max_iter="
                        + mlpcIterations);
            }
        } finally {
            spark.stop();
        }
    }

    private static void report(String model, Dataset<Row> scored, long start, String extra) {
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);
        SparkBench.result("bench=text model=" + model + " test_accuracy=" + SparkBench.f(accuracy) + " fit_s="
                + SparkBench.f((System.nanoTime() - start) / 1e9) + extra);
    }

    /** The corpus as hashed TF-IDF features and label indices, fitted on the training split and cached. */
    private record Features(Dataset<Row> train, Dataset<Row> test, long trainRows, long testRows, int classes,
                            double seconds) {

        static Features of(SparkSession spark) throws Exception {
            long start = System.nanoTime();
            Dataset<Row> corpus = DebianDescriptions.read(spark, 4);
            Dataset<Row> trainText = corpus.filter("NOT test");
            PipelineModel featurizer = new Pipeline().setStages(new PipelineStage[] {
                new StringIndexer().setInputCol("section").setOutputCol("label").setHandleInvalid("keep"),
                new Tokenizer().setInputCol("text").setOutputCol("words"),
                new HashingTF().setInputCol("words").setOutputCol("tf"),
                new IDF().setInputCol("tf").setOutputCol("features")}).fit(trainText);
            Dataset<Row> train = featurizer.transform(trainText).select("features", "label").cache();
            Dataset<Row> test = featurizer.transform(corpus.filter("test")).select("features", "label").cache();
            long trainRows = train.count();
            long testRows = test.count();
            int classes = (int) train.agg(org.apache.spark.sql.functions.max("label")).first().getDouble(0) + 1;
            return new Features(train, test, trainRows, testRows, classes, (System.nanoTime() - start) / 1e9);
        }
    }
}

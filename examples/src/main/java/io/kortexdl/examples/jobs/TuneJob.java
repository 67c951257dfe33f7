package io.kortexdl.examples.jobs;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.JobSession;
import io.kortexdl.spark.KortexClassifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;

/**
 * Tunes a Spark ML pipeline on a CSV file: VectorAssembler (every numeric column but the label)
 * -> StandardScaler -> {@link KortexClassifier}, with a {@link CrossValidator} over the learning
 * rate and the L2 penalty. A string label is indexed first. Holds out 20 % of the rows, reports
 * every grid point's cross-validated accuracy and the best model's held-out accuracy, and saves
 * the best {@link PipelineModel}. The last line is machine-readable:
 * {@code RESULT job=tune best_step_size=... best_reg_param=... cv_accuracy=... test_accuracy=... model=...}.
 *
 * <p>Options:
 * <pre>
 *   --data PATH          CSV with a header line (any Hadoop path)
 *   --label-col NAME     default label
 *   --model-out PATH     where the best PipelineModel goes (default tuned-pipeline-model)
 *   --overwrite          replace an existing model
 *   --folds N            3
 *   --epochs N           40
 *   --hidden 32          hidden layer sizes
 *   --step-sizes 0.001,0.01,0.05   --reg-params 0,0.001
 *   --seed S  --master URL
 * </pre>
 */
public final class TuneJob {
    private TuneJob() {
    }

    /** Runs the job; exits with status 2 on a bad option and 1 on a bad path or input. */
    public static void main(String[] argv) throws Exception {
        JobSession.exitOnUserError(() -> run(argv));
    }

    private static void run(String[] argv) throws Exception {
        Args a = new Args(argv);
        String data = a.required("--data");
        String labelCol = a.value("--label-col", "label");
        String modelOut = a.value("--model-out", "tuned-pipeline-model");
        boolean overwrite = a.flag("--overwrite");
        int folds = a.intValue("--folds", 3);
        int epochs = a.intValue("--epochs", 40);
        int[] hidden = a.intList("--hidden", new int[] {32});
        double[] stepSizes = a.doubleList("--step-sizes", new double[] {0.001, 0.01, 0.05});
        double[] regParams = a.doubleList("--reg-params", new double[] {0, 0.001});
        long seed = a.intValue("--seed", 42);
        String master = a.value("--master", null);
        a.finish();

        SparkSession spark = JobSession.start("KortexDL tuning", master);
        try {
            JobSession.refuseExisting(spark, modelOut, overwrite, "--model-out");
            Dataset<Row> table = spark.read().option("header", "true").option("inferSchema", "true").csv(data);
            List<String> columns = Arrays.asList(table.columns());
            if (!columns.contains(labelCol)) {
                throw new IllegalArgumentException("--label-col " + labelCol + " is not a column of " + data
                        + "; columns: " + columns);
            }
            List<PipelineStage> stages = new ArrayList<>();
            String label = labelCol;
            if (table.schema().apply(labelCol).dataType() instanceof StringType) {
                label = labelCol + "_index";
                stages.add(new StringIndexer().setInputCol(labelCol).setOutputCol(label));
            }
            List<String> inputs = new ArrayList<>();
            for (StructField field : table.schema().fields()) {
                if (field.dataType() instanceof NumericType && !field.name().equals(labelCol)) {
                    inputs.add(field.name());
                }
            }
            KortexClassifier classifier = new KortexClassifier().setHiddenLayers(hidden).setMaxIter(epochs)
                    .setBatchSize(16).setSeed(seed).setLabelCol(label).setFeaturesCol("features");
            stages.add(new VectorAssembler().setInputCols(inputs.toArray(String[]::new)).setOutputCol("raw_features"));
            stages.add(new StandardScaler().setWithMean(true).setWithStd(true).setInputCol("raw_features")
                    .setOutputCol("features"));
            stages.add(classifier);
            Pipeline pipeline = new Pipeline().setStages(stages.toArray(PipelineStage[]::new));

            Dataset<Row>[] split = table.randomSplit(new double[] {0.8, 0.2}, seed);
            Dataset<Row> train = split[0].cache();
            Dataset<Row> test = split[1].cache();
            System.out.printf("%s: %d rows (%d for tuning, %d held out), %d features %s, label %s%n", data,
                    table.count(), train.count(), test.count(), inputs.size(), inputs, labelCol);

            ParamMap[] grid = new ParamGridBuilder().addGrid(classifier.stepSize(), stepSizes)
                    .addGrid(classifier.regParam(), regParams).build();
            MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator()
                    .setLabelCol(label).setMetricName("accuracy");
            CrossValidatorModel cv = new CrossValidator().setEstimator(pipeline).setEstimatorParamMaps(grid)
                    .setEvaluator(accuracy).setNumFolds(folds).setSeed(seed).fit(train);

            double[] metrics = cv.avgMetrics();
            int best = 0;
            for (int i = 0; i < grid.length; i++) {
                System.out.printf("stepSize %-7s regParam %-7s cross-validated accuracy %.4f%n",
                        grid[i].apply(classifier.stepSize()), grid[i].apply(classifier.regParam()), metrics[i]);
                best = metrics[i] > metrics[best] ? i : best;
            }
            PipelineModel bestModel = (PipelineModel) cv.bestModel();
            double testAccuracy = accuracy.evaluate(bestModel.transform(test));
            bestModel.write().overwrite().save(modelOut);
            String target = JobSession.qualified(spark, modelOut);
            System.out.printf("Best: stepSize %s, regParam %s; held-out accuracy %.2f %%; saved to %s%n",
                    grid[best].apply(classifier.stepSize()), grid[best].apply(classifier.regParam()),
                    100 * testAccuracy, target);
            System.out.printf("RESULT job=tune best_step_size=%s best_reg_param=%s cv_accuracy=%.4f test_accuracy=%.4f"
                    + " model=%s%n", grid[best].apply(classifier.stepSize()), grid[best].apply(classifier.regParam()),
                    metrics[best], testAccuracy, target);
        } finally {
            spark.stop();
        }
    }
}

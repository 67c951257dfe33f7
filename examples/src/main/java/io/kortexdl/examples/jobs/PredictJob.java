package io.kortexdl.examples.jobs;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.JobSession;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.ClassificationModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;

/**
 * Scores a Parquet or CSV dataset with a saved model and writes the input columns plus the
 * model's outputs as Parquet. The model can be a KortexDL model or any Spark ML model, such as the
 * {@code PipelineModel} {@link TuneJob} saves. A model whose features column is missing from the
 * input gets it assembled from the input's numeric columns (all but the label, or
 * {@code --feature-cols}). The last line is machine-readable:
 * {@code RESULT job=predict rows=... output=... [accuracy=...]} (accuracy when the input has the
 * label column and the model predicts classes).
 *
 * <p>Options:
 * <pre>
 *   --model PATH          a saved Spark ML model (any Hadoop path)
 *   --input PATH          Parquet, or CSV with a header line
 *   --format parquet|csv  default: from the input's extension, else parquet
 *   --output PATH         Parquet output directory
 *   --overwrite           replace an existing output (otherwise the job refuses before reading)
 *   --label-col NAME      label column left out of assembled features (default label)
 *   --feature-cols a,b    columns to assemble into features, in order
 *   --master URL
 * </pre>
 */
public final class PredictJob {
    private PredictJob() {
    }

    /** Runs the job; exits with status 2 on a bad option and 1 on a bad path or input. */
    public static void main(String[] argv) throws Exception {
        JobSession.exitOnUserError(() -> run(argv));
    }

    private static void run(String[] argv) throws Exception {
        Args a = new Args(argv);
        String modelPath = a.required("--model");
        String input = a.required("--input");
        String output = a.required("--output");
        String format = a.value("--format", input.toLowerCase().matches(".*\\.csv(\\.gz)?/?$") ? "csv" : "parquet");
        boolean overwrite = a.flag("--overwrite");
        String labelCol = a.value("--label-col", "label");
        List<String> featureCols = a.values("--feature-cols");
        String master = a.value("--master", null);
        a.finish();
        if (!format.equals("csv") && !format.equals("parquet")) {
            Args.fail("--format expects parquet or csv, got '" + format + "'");
        }

        SparkSession spark = JobSession.start("KortexDL predict", master);
        try {
            JobSession.refuseExisting(spark, output, overwrite, "--output");
            Transformer model = SavedModels.load(spark, modelPath);
            Dataset<Row> data = format.equals("csv")
                    ? spark.read().option("header", "true").option("inferSchema", "true").csv(input)
                    : spark.read().parquet(input);
            Dataset<Row> features = withFeatures(model, data, labelCol,
                    featureCols == null ? null : String.join(",", featureCols));
            Dataset<Row> scored = model.transform(features).cache();
            scored.write().mode(overwrite ? "overwrite" : "errorifexists").parquet(output);
            long rows = scored.count();
            String target = JobSession.qualified(spark, output);
            System.out.printf("Scored %d rows of %s with %s; wrote %s%n", rows, input, model.getClass().getSimpleName(),
                    target);
            String accuracy = "";
            if (Arrays.asList(scored.columns()).contains(labelCol) && Arrays.asList(scored.columns()).contains("prediction")
                    && isClassifier(model)) {
                double right = scored.filter(scored.col(labelCol).equalTo(scored.col("prediction"))).count();
                accuracy = String.format(" accuracy=%.4f", right / rows);
                System.out.printf("Accuracy against %s: %.2f %%%n", labelCol, 100 * right / rows);
            }
            System.out.printf("RESULT job=predict rows=%d output=%s%s%n", rows, target, accuracy);
        } finally {
            spark.stop();
        }
    }

    /**
     * {@code data} with the model's features column: as it is when present (or when the model is
     * a pipeline that builds it), else assembled from {@code featureCols} (comma-separated) or from
     * every numeric column but the label.
     */
    static Dataset<Row> withFeatures(Transformer model, Dataset<Row> data, String labelCol, String featureCols) {
        if (!model.hasParam("featuresCol")) {
            return data;
        }
        String featuresCol = (String) model.getOrDefault((Param<?>) model.getParam("featuresCol"));
        if (Arrays.asList(data.columns()).contains(featuresCol)) {
            return data;
        }
        List<String> inputs = new ArrayList<>();
        if (featureCols != null) {
            inputs.addAll(Arrays.asList(featureCols.split(",")));
        } else {
            for (StructField field : data.schema().fields()) {
                if (field.dataType() instanceof NumericType && !field.name().equals(labelCol)) {
                    inputs.add(field.name());
                }
            }
        }
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("the input has no column " + featuresCol
                    + " and no numeric columns to assemble it from");
        }
        System.out.println("Assembling " + featuresCol + " from " + inputs);
        return new VectorAssembler().setInputCols(inputs.toArray(String[]::new)).setOutputCol(featuresCol)
                .transform(data);
    }

    /** Whether {@code model} ends in a classifier, so that its prediction is comparable to a label. */
    static boolean isClassifier(Transformer model) {
        if (model instanceof PipelineModel pipeline) {
            Transformer[] stages = pipeline.stages();
            return stages.length > 0 && isClassifier(stages[stages.length - 1]);
        }
        if (model instanceof CrossValidatorModel cv) {
            return isClassifier(cv.bestModel());
        }
        if (model instanceof TrainValidationSplitModel split) {
            return isClassifier(split.bestModel());
        }
        return model instanceof ClassificationModel<?, ?>;
    }
}

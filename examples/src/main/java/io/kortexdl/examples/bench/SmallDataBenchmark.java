package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.SmallCsv;
import io.kortexdl.spark.KortexClassifier;
import io.kortexdl.spark.KortexRegressor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ./kortex bench small-data}: KortexDL's defaults on small tabular data against MLlib and
 * scikit-learn, each model in the pipeline VectorAssembler -> StandardScaler -> model, 70/30 split
 * by row index, median over 3 seeds:
 * <ul>
 *   <li>classification (iris, wine, breast_cancer, digits): {@code KortexClassifier} with only
 *       {@code setHiddenLayers(64, 32).setMaxIter(100)}, with no param set at all, MLlib's
 *       {@code MultilayerPerceptronClassifier} (l-bfgs, the same layers, maxIter 100), and
 *       scikit-learn's {@code MLPClassifier} with its defaults and at 64-32/100;</li>
 *   <li>regression on raw-scale labels (diabetes, label 25-346): {@code KortexRegressor} with
 *       {@code setHiddenLayers(16).setMaxIter(300)} on the label as it is, x 1e-3, and x 1e4 + 1e3,
 *       against MLlib's {@code LinearRegression}.</li>
 * </ul>
 * Lines: {@code RESULT bench=small-data dataset=... kortex_64_32=... kortex_defaults=... mlpc=... sklearn_defaults=...}.
 *
 * <p>Arguments: {@code [--data .kortex/data/sklearn] [--sklearn-script PATH] [--seeds 3]}.
 */
public final class SmallDataBenchmark {
    private static final String[] CLASSIFICATION = {"iris", "wine", "breast_cancer", "digits"};

    private SmallDataBenchmark() {
    }

    /** Runs the benchmark; see the class comment for the arguments. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Path dir = Path.of(args.value("--data", ".kortex/data/sklearn"));
        String script = args.value("--sklearn-script", null);
        int seeds = args.intValue("--seeds", 3);
        args.finish();
        SparkSession spark = SparkBench.session("local[2]");
        try {
            for (String name : CLASSIFICATION) {
                Path csv = name.equals("wine") ? dir.resolveSibling("wine-numbered.csv") : dir.resolve(name + ".csv");
                if (name.equals("wine")) {
                    numberWine(dir.resolveSibling("wine.csv"), csv);
                }
                classification(spark, name, csv, seeds, script);
            }
            regression(spark, dir.resolve("diabetes.csv"), seeds, script);
        } finally {
            spark.stop();
        }
    }

    private static void classification(SparkSession spark, String name, Path csv, int seeds, String script)
            throws Exception {
        SmallCsv data = SmallCsv.read(spark, csv);
        int features = data.featureNames().length;
        int classes = (int) data.train().agg(org.apache.spark.sql.functions.max("label")).first().getDouble(0) + 1;
        double[] user = new double[seeds];
        double[] defaults = new double[seeds];
        double[] mlpc = new double[seeds];
        for (int s = 0; s < seeds; s++) {
            user[s] = accuracy(data, new KortexClassifier().setHiddenLayers(64, 32).setMaxIter(100).setSeed(s));
            defaults[s] = accuracy(data, new KortexClassifier().setSeed(s));
            mlpc[s] = accuracy(data, new MultilayerPerceptronClassifier().setLayers(new int[] {features, 64, 32, classes})
                    .setMaxIter(100).setSeed(s));
        }
        String sklearn = "";
        if (script != null) {
            List<Map<String, String>> results = ExternalProcess.results(List.of("/usr/bin/python3", script, "--csv",
                    csv.toString(), "--seeds", Integer.toString(seeds)), Map.of(), 10);
            sklearn = " sklearn_defaults=" + SparkBench.f(median(results, "MLPClassifier-defaults", "accuracy"))
                    + " sklearn_64_32=" + SparkBench.f(median(results, "MLPClassifier-64-32-100", "accuracy"));
        }
        SparkBench.result("bench=small-data dataset=" + name + " train_rows=" + data.train().count() + " kortex_64_32="
                + SparkBench.f(Timing.median(user)) + " kortex_defaults=" + SparkBench.f(Timing.median(defaults))
                + " mlpc_64_32=" + SparkBench.f(Timing.median(mlpc)) + sklearn);
    }

    private static void regression(SparkSession spark, Path csv, int seeds, String script) throws Exception {
        SmallCsv data = SmallCsv.read(spark, csv);
        double linear = r2(data.train(), data.test(), data.featureNames(), new LinearRegression(), 1, 0);
        double[][] scales = {{1, 0}, {1e-3, 0}, {1e4, 1e3}};
        StringBuilder line = new StringBuilder("bench=small-data dataset=diabetes label_range=25-346 linear_r2="
                + SparkBench.f(linear));
        for (double[] scale : scales) {
            double[] r2 = new double[seeds];
            for (int s = 0; s < seeds; s++) {
                r2[s] = r2(data.train(), data.test(), data.featureNames(),
                        new KortexRegressor().setHiddenLayers(16).setMaxIter(300).setSeed(s), scale[0], scale[1]);
            }
            line.append(" kortex_16_r2_label_x").append(scale[0]).append("_plus").append(scale[1]).append('=')
                    .append(SparkBench.f(Timing.median(r2)));
        }
        if (script != null) {
            List<Map<String, String>> results = ExternalProcess.results(List.of("/usr/bin/python3", script, "--csv",
                    csv.toString(), "--seeds", Integer.toString(seeds), "--regression"), Map.of(), 10);
            line.append(" sklearn_mlp_defaults_r2=").append(SparkBench.f(median(results, "MLPRegressor-defaults", "r2")));
        }
        SparkBench.result(line.toString());
    }

    private static double accuracy(SmallCsv data, PipelineStage model) {
        PipelineModel fitted = pipeline(data.featureNames(), model).fit(data.train());
        return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(fitted.transform(data.test()));
    }

    private static double r2(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> train,
                             org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> test, String[] features,
                             PipelineStage model, double scale, double offset) {
        org.apache.spark.sql.Column label = org.apache.spark.sql.functions.col("label").multiply(scale).plus(offset);
        PipelineModel fitted = pipeline(features, model).fit(train.withColumn("label", label));
        return new RegressionEvaluator().setMetricName("r2").evaluate(fitted.transform(test.withColumn("label", label)));
    }

    private static Pipeline pipeline(String[] features, PipelineStage model) {
        return new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(features).setOutputCol("raw"),
            new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true), model});
    }

    private static double median(List<Map<String, String>> results, String model, String key) {
        List<Double> values = new ArrayList<>();
        for (Map<String, String> fields : results) {
            if (model.equals(fields.get("model")) && fields.containsKey(key)) {
                values.add(Double.parseDouble(fields.get(key)));
            }
        }
        return Timing.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The wine CSV with the f0..f12,label header the other sets have. */
    private static void numberWine(Path wine, Path out) throws java.io.IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(wine));
        lines.set(0, "f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12,label");
        Files.write(out, lines);
    }
}

package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Defaults that fit small tabular data: the pipeline VectorAssembler -> StandardScaler ->
 * {@code KortexClassifier} with only {@code setHiddenLayers(64, 32).setMaxIter(100)}, as a user
 * writes it, against MLlib's {@code MultilayerPerceptronClassifier} at the same layers and
 * maxIter, on iris (the scikit-learn copy that {@code ./kortex test} extracts) and on a
 * synthetic table whose class is an interaction of three of its six columns (a linear model is
 * at chance on it). Accuracy is averaged over three seeds of both models, on iris 5-fold
 * cross-validated (the folds split by the seed too), on the synthetic table measured on 2,000 fresh
 * rows, so that a row or two of a small test set does not decide. On iris KortexDL must reach at
 * least MLPC's accuracy (measured: 0.94 against 0.92); on the synthetic table, where 400 rows
 * limit both models to about 0.79-0.80, within one point of it. Both must reach the level their
 * recipe does: with the former fixed batch of 128 rows, iris gave about 0.83 and the synthetic
 * table 0.65.
 */
class SmallDataDefaultsTest {
    private static final Path IRIS = Path.of(System.getenv().getOrDefault("KORTEX_SKLEARN_DATA",
            "../.kortex/data/sklearn"), "iris.csv");
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local[2]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void irisWithDefaultsIsAtLeastMllibsMlpc() {
        assertTrue(Files.isRegularFile(IRIS), IRIS + " is missing: ./kortex data wine writes it");
        Dataset<Row> iris = spark.read().option("header", "true").option("inferSchema", "true")
                .csv(IRIS.toString()).cache();
        String[] features = {"f0", "f1", "f2", "f3"};
        compare("iris", 3, 0.92, 0, (seed, model) -> crossValidated(iris, features, seed, model), features.length);
    }

    @Test
    void anInteractionOfThreeColumnsWithDefaultsIsAtLeastMllibsMlpc() {
        String[] features = {"x0", "x1", "x2", "x3", "x4", "x5"};
        Dataset<Row> train = interaction(400, 1);
        Dataset<Row> test = interaction(2000, 2);
        compare("interaction", 2, 0.75, 0.01, (seed, model) -> new MulticlassClassificationEvaluator()
                .setMetricName("accuracy").evaluate(pipeline(features, model).fit(train).transform(test)),
                features.length);
    }

    /** The accuracy of a model given its seed. */
    private interface Measure {
        double accuracy(long seed, PipelineStage model);
    }

    /** Means over three seeds: KortexDL's must be at least MLPC's less {@code tolerance}, and at least {@code floor}. */
    private static void compare(String name, int classes, double floor, double tolerance, Measure measure,
                                int features) {
        double[] kortex = new double[3];
        double[] mlpc = new double[3];
        for (int seed = 0; seed < 3; seed++) {
            kortex[seed] = measure.accuracy(seed,
                    new KortexClassifier().setHiddenLayers(64, 32).setMaxIter(100).setSeed(seed));
            mlpc[seed] = measure.accuracy(seed, new MultilayerPerceptronClassifier()
                    .setLayers(new int[] {features, 64, 32, classes}).setMaxIter(100).setSeed(seed));
        }
        double kortexMean = Arrays.stream(kortex).average().orElseThrow();
        double mlpcMean = Arrays.stream(mlpc).average().orElseThrow();
        String figures = name + ": KortexDL " + Arrays.toString(kortex) + ", MLPC " + Arrays.toString(mlpc);
        assertTrue(kortexMean >= mlpcMean - tolerance, figures);
        assertTrue(kortexMean >= floor, figures);
    }

    /** Mean accuracy of VectorAssembler -> StandardScaler -> {@code model} over 5 folds split by {@code seed}. */
    private static double crossValidated(Dataset<Row> data, String[] features, long seed, PipelineStage model) {
        return new CrossValidator().setEstimator(pipeline(features, model)).setEstimatorParamMaps(new ParamMap[] {new ParamMap()})
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(5)
                .setSeed(seed + 10).fit(data).avgMetrics()[0];
    }

    private static Pipeline pipeline(String[] features, PipelineStage model) {
        return new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(features).setOutputCol("raw"),
            new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true), model});
    }

    /**
     * {@code rows} rows of six columns uniform in [-1, 1]; the class is 1 where
     * {@code (x0 x1 > 0) xor (x2 > 0.3)}, the other three columns are noise, and 3 % of labels are flipped.
     */
    private static Dataset<Row> interaction(int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            Object[] values = new Object[7];
            double[] x = new double[6];
            for (int j = 0; j < 6; j++) {
                x[j] = random.nextDouble() * 2 - 1;
                values[j] = x[j];
            }
            boolean positive = (x[0] * x[1] > 0) ^ (x[2] > 0.3);
            values[6] = (positive ^ random.nextDouble() < 0.03) ? 1.0 : 0.0;
            out.add(RowFactory.create(values));
        }
        List<StructField> fields = new ArrayList<>();
        for (int j = 0; j < 6; j++) {
            fields.add(DataTypes.createStructField("x" + j, DataTypes.DoubleType, false));
        }
        fields.add(DataTypes.createStructField("label", DataTypes.DoubleType, false));
        return spark.createDataFrame(out, DataTypes.createStructType(fields)).cache();
    }
}

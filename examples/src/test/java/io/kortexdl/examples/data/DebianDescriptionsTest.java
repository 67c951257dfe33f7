package io.kortexdl.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IDF;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.Tokenizer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The frozen text corpus and the recipe of {@code ./kortex bench text}: Debian's package
 * descriptions through {@code Tokenizer -> HashingTF -> IDF -> KortexClassifier(hidden 64)}.
 */
class DebianDescriptionsTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("debian-descriptions")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void theCorpusIsWhatItsDocumentationSays() throws Exception {
        Dataset<Row> corpus = DebianDescriptions.read(spark, 2);
        assertEquals(DebianDescriptions.PACKAGES, corpus.count());
        assertEquals(DebianDescriptions.SECTIONS, corpus.select("section").distinct().count());
        assertEquals(12_798, corpus.filter("test").count(), "the split is fixed by the package names");
        Row zeroAd = corpus.filter("package = '0ad'").first();
        assertEquals("games", zeroAd.getString(1));
        assertEquals("Real-time strategy game of ancient warfare", zeroAd.getString(2));
    }

    /** The recipe reaches 74.3 %; a model that does not learn from the words stays near the 10 % of the largest section. */
    @Test
    void theTextRecipeClassifiesHeldOutPackagesBySection() throws Exception {
        Dataset<Row> corpus = DebianDescriptions.read(spark, 4);
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
            new StringIndexer().setInputCol("section").setOutputCol("label").setHandleInvalid("keep"),
            new Tokenizer().setInputCol("text").setOutputCol("words"),
            new HashingTF().setInputCol("words").setOutputCol("tf"),
            new IDF().setInputCol("tf").setOutputCol("features"),
            new KortexClassifier().setHiddenLayers(64)}).fit(corpus.filter("NOT test"));
        KortexClassificationModel classifier = (KortexClassificationModel) model.stages()[4];
        assertTrue(classifier.summary().sparseFeatures());
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                .evaluate(model.transform(corpus.filter("test")));
        assertTrue(accuracy > 0.73, "held-out accuracy " + accuracy);
    }
}

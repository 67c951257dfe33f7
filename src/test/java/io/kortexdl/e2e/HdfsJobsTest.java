package io.kortexdl.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.spark.data.IdxDataFrames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs against a real HDFS (a NameNode and a DataNode in this JVM), each submitted with
 * spark-submit on {@code local[2]}: IDX, Parquet and CSV inputs on {@code hdfs://}, models and
 * predictions written there.
 */
class HdfsJobsTest {
    private static final String FASHION = "/usr/share/datasets/fashion-mnist";

    @TempDir
    static Path dir;

    private static MiniDFSCluster hdfs;
    private static String uri;
    private static SparkSession spark;

    @BeforeAll
    static void start() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        uri = "hdfs://127.0.0.1:" + hdfs.getNameNodePort();
        FileSystem fs = hdfs.getFileSystem();
        for (String name : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(FASHION, name),
                    new org.apache.hadoop.fs.Path("/data/fashion/" + name));
        }
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(SparkProcesses.wineCsv().toString()),
                new org.apache.hadoop.fs.Path("/data/wine.csv"));
        spark = SparkSession.builder().master("local[1]").appName("hdfs-test").config("spark.ui.enabled", "false")
                .getOrCreate();
        IdxDataFrames.readMnist(spark, FASHION, "t10k", 2, 2000).write().parquet(uri + "/data/test.parquet");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    private static SparkProcesses.Result submit(String job, String name, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--master", "local[2]", "--jars", SparkProcesses.LIBRARY_JAR,
                "--class", "io.kortexdl.examples.jobs." + job, SparkProcesses.JOBS_JAR));
        all.addAll(List.of(args));
        return SparkProcesses.sparkSubmit(all, dir.resolve(name + ".log"), 300);
    }

    @Test
    void fashionMnistFromHdfsToHdfsThenPredictJobScoresParquetFromHdfs() throws Exception {
        SparkProcesses.Result train = submit("FashionMnistJob", "train", "--data", uri + "/data/fashion",
                "--train-rows", "10000", "--test-rows", "2000", "--epochs", "2", "--model-out", uri + "/models/fashion");
        assertEquals(0, train.exitCode(), train.output());
        assertEquals(uri + "/models/fashion", train.result("model"));
        assertTrue(hdfs.getFileSystem().exists(new org.apache.hadoop.fs.Path("/models/fashion/data/network.kxdl")));

        SparkProcesses.Result predict = submit("PredictJob", "predict", "--model", uri + "/models/fashion",
                "--input", uri + "/data/test.parquet", "--output", uri + "/out/scored");
        assertEquals(0, predict.exitCode(), predict.output());
        assertEquals("2000", predict.result("rows"));
        assertEquals(Double.parseDouble(train.result("test_accuracy")), Double.parseDouble(predict.result("accuracy")),
                1e-4, "PredictJob scores the 2000 test rows as the training job did");

        Dataset<Row> scored = spark.read().parquet(uri + "/out/scored");
        assertArrayEquals(new String[] {"features", "label", "rawPrediction", "probability", "prediction"},
                scored.columns());
        assertEquals(2000, scored.count());

        SparkProcesses.Result refused = submit("PredictJob", "refused", "--model", uri + "/models/fashion",
                "--input", uri + "/data/test.parquet", "--output", uri + "/out/scored");
        assertEquals(1, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("--output " + uri + "/out/scored already exists; pass --overwrite"),
                refused.output());
        assertEquals(2000, spark.read().parquet(uri + "/out/scored").count(), "the existing output is untouched");
    }

    @Test
    void tuneJobOnHdfsCsvSavesAPipelineThatPredictJobApplies() throws Exception {
        SparkProcesses.Result tune = submit("TuneJob", "tune", "--data", uri + "/data/wine.csv", "--label-col",
                "cultivar", "--folds", "2", "--epochs", "30", "--step-sizes", "0.003,0.03", "--reg-params", "0",
                "--model-out", uri + "/models/wine");
        assertEquals(0, tune.exitCode(), tune.output());
        assertEquals("0.03", tune.result("best_step_size"), "the faster rate wins in 30 epochs: " + tune.output());
        assertTrue(Double.parseDouble(tune.result("test_accuracy")) >= 0.85, tune.output());

        SparkProcesses.Result predict = submit("PredictJob", "predict-csv", "--model", uri + "/models/wine",
                "--input", uri + "/data/wine.csv", "--label-col", "cultivar", "--output", uri + "/out/wine");
        assertEquals(0, predict.exitCode(), predict.output());
        assertEquals("178", predict.result("rows"));
        assertTrue(Double.parseDouble(predict.result("accuracy")) >= 0.9, predict.output());
        assertEquals(178, spark.read().parquet(uri + "/out/wine").filter("prediction IS NOT NULL").count());
    }
}

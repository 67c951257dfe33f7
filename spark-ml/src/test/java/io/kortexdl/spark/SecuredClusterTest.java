package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.spark.collective.CollectiveSettings;
import io.kortexdl.spark.collective.Strangers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collective under Spark's security settings on two executor JVMs (local-cluster), with a
 * port scanner of the test's own on every port the collective opens: the same bits with and
 * without authentication and encryption, with and without the scanner; and security settings the
 * collective cannot honour, refused before the first epoch.
 */
class SecuredClusterTest {
    private static final int FIRST_PORT = 47_400;
    private static final int LAST_PORT = 47_409;
    private static final Map<String, String> PLAIN = Map.of(CollectiveSettings.PORT_RANGE, FIRST_PORT + "-" + LAST_PORT);

    private static Map<String, String> secured() {
        Map<String, String> conf = new HashMap<>(PLAIN);
        conf.put("spark.authenticate", "true");
        conf.put("spark.authenticate.secret", "kortexdl test secret");
        conf.put("spark.network.crypto.enabled", "true");
        return conf;
    }

    private static KortexClassifier classifier() {
        // Exact mode: one allreduce per step, and new listeners every epoch for the scanner to find.
        return new KortexClassifier().setHiddenLayers(64).setMaxIter(6).setSyncInterval(1).setBatchSize(128)
                .setSeed(5);
    }

    /** A fit and its seconds. */
    private record Timed(float[] parameters, double seconds) {
    }

    private static Timed fit(Dataset<Row> data) {
        long start = System.nanoTime();
        float[] parameters = classifier().fit(data).weights().parameters();
        return new Timed(parameters, (System.nanoTime() - start) / 1e9);
    }

    private static Timed fitScanned(Dataset<Row> data, Strangers[] scanner) {
        scanner[0] = Strangers.scan("127.0.0.1", FIRST_PORT, LAST_PORT, 20);
        try {
            return fit(data);
        } finally {
            try {
                scanner[0].close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void securedFitsGiveThePlainBitsAndAPortScannerChangesNothing() throws Exception {
        Timed plain;
        Timed scanned;
        Strangers[] plainScanner = new Strangers[1];
        SparkSession spark = SparkTestSupport.session("local-cluster[2,1,1024]", PLAIN);
        try {
            Dataset<Row> data = SparkTestSupport.fashion(spark, true, 6000, 2).cache();
            data.count();
            fit(data); // warms both executors up, so the timed fits compare like with like
            plain = fit(data);
            scanned = fitScanned(data, plainScanner);
        } finally {
            spark.stop();
        }
        double ratio = scanned.seconds() / plain.seconds();
        System.out.printf("RESULT test=port-scanner fit_s=%.3f scanned_fit_s=%.3f scanned_over_plain=%.3f"
                + " connections=%d%n", plain.seconds(), scanned.seconds(), ratio, plainScanner[0].connections());
        assertArrayEquals(plain.parameters(), scanned.parameters(), "the scanner changed the fit");
        // The rendezvous listens while an epoch's job runs, a task's listener until its peers have connected:
        // about half the fit at 20 connections a second (31 in a 2.4 s fit here).
        assertTrue(plainScanner[0].connections() >= 5 * plain.seconds(), "the scanner reached the collective's"
                + " ports: " + plainScanner[0].connections());
        assertEquals(0, plainScanner[0].challenged(), "without spark.authenticate there is no challenge");
        // 1.2x, plus 2 s for this shared 2-core machine (the ratio ran 0.82 to 1.35 here, the scanner's own
        // threads included). The allowance is less than one handshake deadline: a participant held up
        // behind a silent stranger even once in the fit would cost 3 s.
        assertTrue(scanned.seconds() <= 1.2 * plain.seconds() + 2.0, "scanned " + scanned.seconds() + " s against "
                + plain.seconds() + " s");

        Strangers[] securedScanner = new Strangers[1];
        spark = SparkTestSupport.session("local-cluster[2,1,1024]", secured());
        try {
            Dataset<Row> data = SparkTestSupport.fashion(spark, true, 6000, 2).cache();
            data.count();
            Timed secured = fitScanned(data, securedScanner);
            assertArrayEquals(plain.parameters(), secured.parameters(), "authenticated and encrypted, the same bits");
        } finally {
            spark.stop();
        }
        assertTrue(securedScanner[0].challenged() > 0, "the secured collective challenged the strangers without the"
                + " secret and refused them: " + securedScanner[0].challenged());
    }

    @Test
    void encryptionTheCollectiveCannotHonourFailsBeforeTheFirstEpoch(@TempDir Path dir) throws Exception {
        Map<String, String> badKey = secured();
        badKey.put("spark.network.crypto.keyLength", "100");
        Map<String, String> badCipher = secured();
        badCipher.put("spark.network.crypto.cipher", "DES/CBC/PKCS5Padding");
        for (Map.Entry<String, Map<String, String>> bad : Map.of("spark.network.crypto.keyLength", badKey,
                "spark.network.crypto.cipher", badCipher).entrySet()) {
            SparkSession spark = SparkTestSupport.session("local[2]", bad.getValue());
            Path checkpoints = dir.resolve(bad.getKey());
            try {
                Dataset<Row> data = SyntheticData.blobs(spark, 200, 4, 3, 6, 2);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> classifier()
                        .setCheckpointDir(checkpoints.toString()).setCheckpointInterval(1).fit(data));
                assertTrue(e.getMessage().startsWith(bad.getKey() + " is "), e.getMessage());
            } finally {
                spark.stop();
            }
            assertTrue(!Files.exists(checkpoints), "nothing written to " + checkpoints);
        }
    }
}

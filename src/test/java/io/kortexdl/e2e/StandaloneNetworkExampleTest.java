package io.kortexdl.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.examples.StandaloneNetworkExample;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.examples.data.LabeledData;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.blas.Blas;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The Network API without Spark on the real Fashion-MNIST files from Debian's package (installed
 * by {@code ./kortex test}): the standalone example's steps, and a saved model that reloads to the
 * same predictions.
 */
class StandaloneNetworkExampleTest {

    @Test
    void exampleLearnsAndConcurrentScoringMatchesOneCall() throws Exception {
        assertTrue(Files.isDirectory(FashionMnist.defaultDir()),
                "Fashion-MNIST missing: run ./kortex test, which installs dataset-fashion-mnist");
        StandaloneNetworkExample.Outcome outcome = StandaloneNetworkExample.run(FashionMnist.defaultDir(), 2, 20000, 4);
        assertTrue(outcome.testAccuracy() >= 0.84, "the recipe reaches 0.8495; test accuracy: " + outcome.testAccuracy());
        assertTrue(outcome.concurrentTrainingAccuracy() >= 0.75,
                "asynchronous training by 4 threads kept the model working: " + outcome.concurrentTrainingAccuracy());
        assertTrue(outcome.concurrentForwardEqual(), "4 threads scoring slices differ from one call");
        assertTrue(outcome.savedCopyEqual(), "a saved and reloaded copy predicts differently");
    }

    @Test
    void trainedModelSurvivesSaveAndLoadOnRealData() throws Exception {
        LabeledData train = FashionMnist.train(FashionMnist.defaultDir()).head(6000);
        LabeledData test = FashionMnist.test(FashionMnist.defaultDir());
        Network net = Network.builder().layers(784, 128, 10).optimizer(OptimizerKind.MOMENTUM).build();
        float[] targets = train.oneHot();
        for (int epoch = 0; epoch < 3; epoch++) {
            for (int row = 0; row + 100 <= train.rows(); row += 100) {
                float[] x = java.util.Arrays.copyOfRange(train.features(), row * 784, (row + 100) * 784);
                float[] t = java.util.Arrays.copyOfRange(targets, row * 10, (row + 100) * 10);
                net.trainBatch(x, t, LossType.CROSS_ENTROPY, 0.05f, 100);
            }
        }
        float[] before = net.forwardBatch(test.features(), test.rows());
        double accuracy = test.accuracy(before);
        assertTrue(accuracy > 0.81, "the recipe reaches 0.819; accuracy " + accuracy + " on " + Blas.system().name());
        ByteArrayOutputStream saved = new ByteArrayOutputStream();
        net.save(saved);
        Network loaded = Network.load(new ByteArrayInputStream(saved.toByteArray()));
        float[] after = loaded.forwardBatch(test.features(), test.rows());
        assertTrue(java.util.Arrays.equals(before, after), "reloaded model predicts differently");
    }
}

package io.kortexdl.examples.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code examples/src/main/python/torch_mlp_reference.py} (PyTorch on the same model, data,
 * batch and optimizer as the Java side) with Debian's {@code /usr/bin/python3} and returns the
 * figures it prints.
 */
final class TorchReference {
    private TorchReference() {
    }

    /** PyTorch's median epoch seconds and forward samples/s. */
    record Figures(double epochSeconds, double forwardSamplesPerSecond) {
    }

    /**
     * @param threads PyTorch intra-op threads
     * @param environment thread settings for OpenMP/OpenBLAS/MKL
     * @throws IOException if the script fails or prints no figures
     */
    static Figures run(String script, Path data, int threads, int batch, int epochs, Map<String, String> environment)
            throws IOException, InterruptedException {
        List<Map<String, String>> results = ExternalProcess.results(
                List.of("/usr/bin/python3", script, "--data", data.toString(), "--threads", String.valueOf(threads),
                        "--batch", String.valueOf(batch), "--epochs", String.valueOf(epochs)),
                environment, 30);
        String epoch = ExternalProcess.find(results, "epoch_s");
        String forward = ExternalProcess.find(results, "forward_samples_per_s");
        if (epoch == null || forward == null) {
            throw new IOException(script + " printed no epoch_s/forward_samples_per_s RESULT line");
        }
        return new Figures(Double.parseDouble(epoch), Double.parseDouble(forward));
    }
}

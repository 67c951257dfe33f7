package io.kortexdl.examples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a reference program (PyTorch, the C GEMM loop) and collects the {@code RESULT} lines it prints. */
final class ExternalProcess {
    private ExternalProcess() {
    }

    /**
     * Runs {@code command} with {@code environment} added (a null value removes that variable),
     * echoes its output, and returns the {@code key=value} pairs of its RESULT lines, one map per line.
     *
     * @throws IOException if it cannot start, fails, or runs longer than {@code timeoutMinutes}
     */
    static List<Map<String, String>> results(List<String> command, Map<String, String> environment,
                                             long timeoutMinutes) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        environment.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        Process process = builder.start();
        List<Map<String, String>> results = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> collect(process, results), "reference-output");
        reader.setDaemon(true);
        reader.start();
        if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within " + timeoutMinutes + " minutes");
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with status " + process.exitValue());
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        return new ArrayList<>(results);
    }

    private static void collect(Process process, List<Map<String, String>> results) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                System.out.println(line);
                if (line.startsWith("RESULT ")) {
                    Map<String, String> fields = new HashMap<>();
                    for (String token : line.substring(7).trim().split("\\s+")) {
                        int eq = token.indexOf('=');
                        if (eq > 0) {
                            fields.put(token.substring(0, eq), token.substring(eq + 1));
                        }
                    }
                    results.add(fields);
                }
            }
        } catch (IOException e) {
            System.out.println("# lost the reference program's output: " + e.getMessage());
        }
    }

    /** The first value of {@code key} among {@code results}, or null. */
    static String find(List<Map<String, String>> results, String key) {
        for (Map<String, String> fields : results) {
            if (fields.containsKey(key)) {
                return fields.get(key);
            }
        }
        return null;
    }
}

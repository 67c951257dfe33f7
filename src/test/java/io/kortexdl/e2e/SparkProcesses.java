package io.kortexdl.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Separate JVMs for the end-to-end tests: spark-submit and cluster daemons run from a classpath of
 * Spark, Scala and Hadoop only (what a Spark distribution provides), so the KortexDL jars reach
 * them through {@code --jars} and the application jar, as on a real cluster.
 */
final class SparkProcesses {
    /** The checkout's root. */
    static final Path ROOT = Path.of(System.getProperty("kortex.root", ".")).toAbsolutePath();
    /** kortexdl-spark-VERSION-all.jar. */
    static final String LIBRARY_JAR = System.getProperty("kortex.libraryJar");
    /** kortexdl-examples-VERSION.jar, the jobs. */
    static final String JOBS_JAR = System.getProperty("kortex.jobsJar");

    private SparkProcesses() {
    }

    /**
     * The wine CSV that {@code ./kortex data wine} (run by {@code ./kortex test}) prepares:
     * {@code $KORTEX_WINE_CSV}, else {@code .kortex/data/wine.csv} in the checkout.
     *
     * @throws IllegalStateException if it is not there
     */
    static Path wineCsv() {
        String env = System.getenv("KORTEX_WINE_CSV");
        Path csv = env != null ? Path.of(env) : ROOT.resolve(".kortex/data/wine.csv");
        if (!Files.isRegularFile(csv)) {
            throw new IllegalStateException(csv + " is missing: run ./kortex data wine (./kortex test does)");
        }
        return csv;
    }

    /** This JVM's classpath without KortexDL, the tests, JUnit, the Scala compiler, the Hadoop test clusters and ONNX Runtime. */
    static List<String> sparkClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.isBlank())
                .map(e -> Path.of(e).toAbsolutePath().toString())
                .filter(e -> !e.matches(".*/kortexdl-[^/]*\\.jar") && !e.endsWith("classes")
                        && !e.matches(".*/(junit|opentest4j|apiguardian|scala-compiler|hadoop-client-minicluster|onnxruntime|bcprov|bcpkix|bcutil)[^/]*"))
                .collect(Collectors.toList());
    }

    /** The jobs' log configuration: Spark and KortexDL at WARN, the jobs print their own progress. */
    static final Path JOB_LOGGING = ROOT.resolve("conf/log4j2.properties");

    /** {@code java <flags> -cp <spark classpath> <mainAndArgs>}, logging as {@code logConfig} says. */
    static List<String> javaCommand(String heap, Path logConfig, List<String> mainAndArgs) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("kortex.jvmFlags", "").trim().split("\\s+")));
        command.removeIf(flag -> flag.startsWith("-Xmx") || flag.isBlank());
        command.add(heap);
        command.add("-Dlog4j2.configurationFile=" + logConfig);
        command.add("-cp");
        command.add(String.join(File.pathSeparator, sparkClasspath()));
        command.addAll(mainAndArgs);
        return command;
    }

    /**
     * Waits until {@code log}, the output of {@code job}, holds {@code text}.
     *
     * @throws AssertionError with the log when the job ends first, or after {@code timeoutMs}
     */
    static void awaitOutput(Path log, Process job, String text, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            if (!job.isAlive() || System.currentTimeMillis() > deadline) {
                throw new AssertionError("never saw " + text + ":\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
    }

    /**
     * Waits until {@code file} exists while {@code job} (whose output is {@code log}) runs.
     *
     * @throws AssertionError with the log when the job ends first, or after {@code timeoutMs}
     */
    static void awaitFile(Path file, Process job, Path log, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!Files.exists(file)) {
            if (!job.isAlive() || System.currentTimeMillis() > deadline) {
                throw new AssertionError("never saw " + file + ":\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
    }

    /** What a finished process printed (stdout and stderr together) and its exit status. */
    record Result(int exitCode, String output) {
        /** The value of {@code key=} on the {@code RESULT} line, or null. */
        String result(String key) {
            for (String line : output.split("\n")) {
                if (line.startsWith("RESULT ")) {
                    for (String field : line.split(" ")) {
                        if (field.startsWith(key + "=")) {
                            return field.substring(key.length() + 1);
                        }
                    }
                }
            }
            return null;
        }
    }

    /**
     * Runs {@code command} to completion with its output in {@code log}.
     *
     * @throws IOException if it does not finish within {@code timeoutSeconds} (it is killed)
     */
    static Result run(List<String> command, Map<String, String> env, Path log, long timeoutSeconds)
            throws IOException, InterruptedException {
        Process process = start(command, env, log);
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            kill(process.toHandle());
            throw new IOException("timed out after " + timeoutSeconds + " s: " + command.get(command.size() - 1)
                    + "\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** Starts {@code command} with {@code env} added and its output in {@code log}. */
    static Process start(List<String> command, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        builder.environment().put("SPARK_SCALA_VERSION", "2.13");
        // As a user's shell has it: the library, not the environment, sets the BLAS's threads.
        builder.environment().remove("OPENBLAS_NUM_THREADS");
        builder.environment().remove("MKL_NUM_THREADS");
        return builder.start();
    }

    /** {@code spark-submit <args>} (SparkSubmit in a driver JVM with a 2 GiB heap). */
    static Result sparkSubmit(List<String> args, Path log, long timeoutSeconds) throws IOException, InterruptedException {
        List<String> main = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit"));
        main.addAll(args);
        return run(javaCommand("-Xmx2g", JOB_LOGGING, main), Map.of(), log, timeoutSeconds);
    }

    /**
     * {@code command} (a {@link #javaCommand}) with {@code entry} appended to its classpath, as
     * {@code spark-submit} of a distribution appends {@code HADOOP_CONF_DIR}.
     */
    static List<String> withClasspath(List<String> command, String entry) {
        List<String> extended = new ArrayList<>(command);
        int classpath = extended.indexOf("-cp") + 1;
        extended.set(classpath, extended.get(classpath) + File.pathSeparator + entry);
        return extended;
    }

    /**
     * The command of {@code spark-submit <args>} against the Hadoop cluster whose client
     * configuration is in {@code hadoopConf} (a driver JVM with a 2 GiB heap); run it with
     * {@link #hadoopEnv}.
     */
    static List<String> sparkSubmitCommand(Path hadoopConf, List<String> args) {
        List<String> main = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit"));
        main.addAll(args);
        return withClasspath(javaCommand("-Xmx2g", JOB_LOGGING, main), hadoopConf.toString());
    }

    /** {@code HADOOP_CONF_DIR} and {@code YARN_CONF_DIR} naming {@code hadoopConf}, as a cluster's gateway host sets them. */
    static Map<String, String> hadoopEnv(Path hadoopConf) {
        return Map.of("HADOOP_CONF_DIR", hadoopConf.toString(), "YARN_CONF_DIR", hadoopConf.toString());
    }

    /** Kills {@code process} and everything it started. */
    static void kill(ProcessHandle process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
}

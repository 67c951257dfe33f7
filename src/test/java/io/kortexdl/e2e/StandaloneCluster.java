package io.kortexdl.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Spark standalone master and workers on 127.0.0.1, each a separate JVM started from Spark's
 * classes, with a SPARK_HOME whose {@code jars/} holds Spark alone (no KortexDL).
 */
final class StandaloneCluster implements AutoCloseable {
    private final List<Process> daemons = new ArrayList<>();
    private final List<Path> workerLogs = new ArrayList<>();
    private final int port;

    private StandaloneCluster(int port) {
        this.port = port;
    }

    /**
     * Starts a master and {@code workers} workers of one core and {@code workerMemory} each under
     * {@code dir}; returns once every worker has registered.
     *
     * @throws IOException if they do not register within 120 s (the logs are in the message)
     */
    static StandaloneCluster start(Path dir, int workers, String workerMemory) throws Exception {
        StandaloneCluster cluster = new StandaloneCluster(freePort());
        try {
            Path jars = Files.createDirectories(dir.resolve("home/jars"));
            for (String entry : SparkProcesses.sparkClasspath()) {
                Path jar = Path.of(entry);
                if (Files.isRegularFile(jar) && !Files.exists(jars.resolve(jar.getFileName()))) {
                    Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
                }
            }
            Map<String, String> env = Map.of("SPARK_HOME", dir.resolve("home").toString());
            Path logging = SparkProcesses.ROOT.resolve("conf/log4j2-daemons.properties");
            cluster.daemons.add(SparkProcesses.start(SparkProcesses.javaCommand("-Xmx512m", logging,
                    List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                            String.valueOf(cluster.port), "--webui-port", String.valueOf(freePort()))),
                    env, dir.resolve("master.log")));
            for (int i = 1; i <= workers; i++) {
                Path log = dir.resolve("worker" + i + ".log");
                cluster.workerLogs.add(log);
                cluster.daemons.add(SparkProcesses.start(SparkProcesses.javaCommand("-Xmx256m", logging,
                        List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                                "--memory", workerMemory, "--webui-port", String.valueOf(freePort()),
                                "--work-dir", Files.createDirectories(dir.resolve("w" + i)).toString(),
                                cluster.masterUrl())),
                        env, log));
            }
            cluster.awaitWorkers(dir);
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code spark://127.0.0.1:<port>}. */
    String masterUrl() {
        return "spark://127.0.0.1:" + port;
    }

    private void awaitWorkers(Path dir) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            int registered = 0;
            for (Path log : workerLogs) {
                if (Files.exists(log) && Files.readString(log).contains("Successfully registered with master")) {
                    registered++;
                }
            }
            if (registered == workerLogs.size()) {
                return;
            }
            Thread.sleep(500);
        }
        StringBuilder logs = new StringBuilder();
        for (Path log : Files.list(dir).filter(p -> p.toString().endsWith(".log")).toList()) {
            logs.append("\n--- ").append(log).append('\n').append(Files.readString(log));
        }
        throw new IOException("workers did not register with " + masterUrl() + " within 120 s" + logs);
    }

    /**
     * The command that spark-submits {@code FashionMnistJob} to this cluster in client mode (the
     * driver is the new JVM, with a 1 GiB heap): two executors of one core and
     * {@code executorMemory}, the library passed with {@code --jars}, then {@code jobArgs}.
     */
    List<String> submitFashionMnistJob(String executorMemory, List<String> jobArgs) {
        List<String> main = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", masterUrl(),
                "--executor-memory", executorMemory, "--executor-cores", "1", "--total-executor-cores", "2",
                "--jars", SparkProcesses.LIBRARY_JAR, "--class", "io.kortexdl.examples.jobs.FashionMnistJob",
                SparkProcesses.JOBS_JAR));
        main.addAll(jobArgs);
        return SparkProcesses.javaCommand("-Xmx1g", SparkProcesses.JOB_LOGGING, main);
    }

    /**
     * Runs {@code command}, its output into {@code log}, and kills one of this cluster's two
     * executor JVMs ({@code kill -9}) once the output shows {@code after}; waits up to
     * {@code timeoutSeconds} for the job to end.
     *
     * @return the job's exit status and output, and whether the output did not yet show
     *     {@code before} when the executor died
     */
    ExecutorKill runKillingAnExecutor(List<String> command, Path log, String after, String before,
                                      long timeoutSeconds) throws Exception {
        Process job = SparkProcesses.start(command, Map.of(), log);
        boolean early;
        try {
            SparkProcesses.awaitOutput(log, job, after, timeoutSeconds * 1000);
            List<ProcessHandle> running = executors();
            if (running.size() != 2) {
                throw new AssertionError("expected the job's two executors, found " + running.size());
            }
            running.get(0).destroyForcibly(); // SIGKILL
            early = !Files.readString(log).contains(before);
            if (!job.waitFor(timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("the job did not end within " + timeoutSeconds + " s:\n" + Files.readString(log));
            }
        } finally {
            SparkProcesses.kill(job.toHandle());
        }
        return new ExecutorKill(new SparkProcesses.Result(job.exitValue(), Files.readString(log)), early);
    }

    /**
     * What {@link #runKillingAnExecutor} saw.
     *
     * @param killedBefore whether the executor died before the output showed the text named
     */
    record ExecutorKill(SparkProcesses.Result result, boolean killedBefore) {
    }

    /**
     * Runs {@code command}, its output into {@code log}, and kills its JVM (the driver in client
     * mode, {@code kill -9}) once {@code file} exists.
     */
    static void runKillingTheDriverAt(List<String> command, Path log, Path file, long timeoutSeconds)
            throws Exception {
        Process job = SparkProcesses.start(command, Map.of(), log);
        try {
            SparkProcesses.awaitFile(file, job, log, timeoutSeconds * 1000);
            job.toHandle().destroyForcibly(); // SIGKILL of the driver JVM
            if (!job.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("the killed driver did not end");
            }
        } finally {
            SparkProcesses.kill(job.toHandle());
        }
    }

    /** The executor JVMs the workers are running now (read from /proc, so Linux only). */
    List<ProcessHandle> executors() {
        List<ProcessHandle> found = new ArrayList<>();
        for (Process daemon : daemons) {
            daemon.toHandle().descendants().forEach(p -> {
                try {
                    String cmdline = Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
                    if (cmdline.contains("CoarseGrainedExecutorBackend")) {
                        found.add(p);
                    }
                } catch (IOException e) {
                    // the process ended meanwhile
                }
            });
        }
        return found;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Kills the workers (and their executors) and the master. */
    @Override
    public void close() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            SparkProcesses.kill(daemons.get(i).toHandle());
        }
    }
}

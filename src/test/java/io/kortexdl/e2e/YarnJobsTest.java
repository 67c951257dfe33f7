package io.kortexdl.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.api.records.SignalContainerCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code FashionMnistJob} submitted with {@code spark-submit --master yarn} to a YARN cluster of
 * two NodeManagers (one vcore and 3 GiB each, physical memory enforced) over HDFS, the library
 * shipped with {@code --jars} and Spark's jars taken from HDFS as {@code spark.yarn.archive}: in
 * client and in cluster deploy mode, through {@code ./kortex submit}, with an executor container
 * killed or preempted through YARN, under dynamic allocation, and with fits too large for their
 * containers.
 */
class YarnJobsTest {
    private static final String FASHION = "/usr/share/datasets/fashion-mnist";
    /**
     * Epochs of every run. The runs that lose a container take it after their first epoch: a
     * signal reaches a container about 1 s after YARN is asked for it, and 3 epochs can end
     * sooner than that (0.2-0.4 s each); 11 give it time to land in training. The other runs
     * train as many, so that the undisturbed client-mode run is also the reference of the runs
     * that lose a container (one YARN application fewer).
     */
    private static final int EPOCHS = 12;
    private static final java.util.Set<YarnApplicationState> TERMINAL = java.util.EnumSet.of(
            YarnApplicationState.FINISHED, YarnApplicationState.FAILED, YarnApplicationState.KILLED);
    private static final Pattern EXECUTOR_ROWS = Pattern.compile("([^{},=]+)=(\\d+)");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;

    private static YarnCluster cluster;
    /** The undisturbed run, in client mode, which the other runs are compared with. */
    private static SparkProcesses.Result client;
    private static ApplicationReport clientApplication;

    @BeforeAll
    static void start() throws Exception {
        cluster = YarnCluster.start(dir, 2, 3072);
        FileSystem fs = cluster.fileSystem();
        for (String name : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(FASHION, name),
                    new org.apache.hadoop.fs.Path("/data/fashion/" + name));
        }
        client = run(submit("client", "client", List.of()), "client");
        clientApplication = cluster.newestApplication();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** spark-submit of FashionMnistJob to the cluster: 2 executors of 1 core and 1 GiB, the model saved to {@code /models/<model>}. */
    private static List<String> submit(String deployMode, String model, List<String> conf, String... jobArgs) {
        List<String> args = new ArrayList<>(List.of("--conf", "spark.yarn.archive=" + cluster.sparkArchive()));
        args.addAll(conf);
        return SparkProcesses.sparkSubmitCommand(cluster.confDir(), submitArgs(deployMode, model, args, jobArgs));
    }

    /** The spark-submit arguments of {@link #submit}, without {@code spark.yarn.archive} unless {@code conf} has it. */
    private static List<String> submitArgs(String deployMode, String model, List<String> conf, String... jobArgs) {
        String javaHome = System.getProperty("java.home");
        List<String> args = new ArrayList<>(List.of("--master", "yarn", "--deploy-mode", deployMode,
                "--num-executors", "2", "--executor-cores", "1", "--executor-memory", "1g", "--driver-memory", "1g",
                "--conf", "spark.executorEnv.JAVA_HOME=" + javaHome,
                "--conf", "spark.yarn.appMasterEnv.JAVA_HOME=" + javaHome,
                "--conf", "spark.yarn.maxAppAttempts=1",
                // Spark 4.2's UI can fail the SparkContext's start on YARN: the ApplicationMaster's
                // proxy filter is added while the UI's handlers start (a ConcurrentModificationException
                // in Jetty's ServletHandler.initialize, seen here in client mode).
                "--conf", "spark.ui.enabled=false"));
        args.addAll(conf);
        args.addAll(List.of("--jars", SparkProcesses.LIBRARY_JAR, "--class", "io.kortexdl.examples.jobs.FashionMnistJob",
                SparkProcesses.JOBS_JAR, "--data", cluster.hdfsUri() + "/data/fashion", "--train-rows", "12000",
                "--test-rows", "2000", "--epochs", String.valueOf(EPOCHS), "--partitions", "4", "--sync-interval",
                "16", "--seed", "11", "--model-out", cluster.hdfsUri() + "/models/" + model));
        args.addAll(List.of(jobArgs));
        return args;
    }

    private static SparkProcesses.Result run(List<String> command, String name) throws Exception {
        return SparkProcesses.run(command, SparkProcesses.hadoopEnv(cluster.confDir()), dir.resolve(name + ".log"), 600);
    }

    private static byte[] network(String model) throws Exception {
        try (var in = cluster.fileSystem().open(new org.apache.hadoop.fs.Path("/models/" + model + "/data/network.kxdl"))) {
            return in.readAllBytes();
        }
    }

    /** Asserts two executors trained (never the driver), each a fair share, and returns their names. */
    private static List<String> assertBothExecutorsTrained(String byExecutor, String output) {
        Matcher m = EXECUTOR_ROWS.matcher(byExecutor == null ? "" : byExecutor);
        List<String> executors = new ArrayList<>();
        long total = 0;
        while (m.find()) {
            assertTrue(!m.group(1).equals("driver"), "trained in the driver, not in YARN containers: " + byExecutor);
            assertTrue(Long.parseLong(m.group(2)) >= EPOCHS * 4000L, "executor " + m.group(1) + " did little: "
                    + byExecutor);
            total += Long.parseLong(m.group(2));
            executors.add(m.group(1));
        }
        assertEquals(2, executors.size(), "both executor containers trained: " + byExecutor + "\n" + output);
        assertEquals((long) EPOCHS * 12000, total, EPOCHS + " epochs x 12000 rows");
        return executors;
    }

    @Test
    void clientModeTrainsInBothContainersAndSavesTheModelOnHdfs() throws Exception {
        assertEquals(0, client.exitCode(), client.output());
        assertTrue(client.output().contains("epoch " + EPOCHS + "/" + EPOCHS), client.output());
        assertBothExecutorsTrained(client.result("rows_by_executor"), client.output());
        double accuracy = Double.parseDouble(client.result("test_accuracy"));
        assertTrue(accuracy > 0.85, "12,000 rows and 12 epochs reach 0.87; got " + accuracy);
        assertEquals(cluster.hdfsUri() + "/models/client", client.result("model"));
        assertTrue(cluster.fileSystem().exists(new org.apache.hadoop.fs.Path("/models/client/data/network.kxdl")));
        assertSucceededWithNoExecutorLost(clientApplication, client.output());
    }

    /**
     * Also with the blocks on local disk: each within one window, so the bits of the client run's
     * blocks on the heap. Their chunks go to the containers' own directories (YARN's local
     * directories of the application, which Spark uses on YARN), and none is left there after.
     */
    @Test
    void clusterModeRunsTheDriverInTheApplicationMasterAndGivesTheSameModel() throws Exception {
        SparkProcesses.Result job = run(submit("cluster", "cluster", List.of(), "--block-storage", "disk"), "cluster");
        ApplicationReport app = cluster.newestApplication();
        String driverOut = cluster.containerLog(app, "_000001", "stdout");
        assertEquals(0, job.exitCode(), job.output() + "\n--- driver stdout\n" + driverOut);
        assertSucceededWithNoExecutorLost(app, cluster.containerLog(app, "_000001", "stderr"));
        SparkProcesses.Result driver = new SparkProcesses.Result(0, driverOut);
        assertBothExecutorsTrained(driver.result("rows_by_executor"), driverOut);
        assertEquals(client.result("test_accuracy"), driver.result("test_accuracy"), driverOut);
        assertArrayEquals(network("client"), network("cluster"), "deploy mode changes no bit of the model");
        String executorLogs = cluster.containerLog(app, "", "stderr");
        Matcher written = Pattern.compile("block (\\d) writes its packed rows to Spark's local directory (\\S+)")
                .matcher(executorLogs);
        int blocks = 0;
        while (written.find()) {
            blocks++;
            assertTrue(written.group(2).contains("/appcache/" + app.getApplicationId() + "/"), written.group());
        }
        assertEquals(2, blocks, "both blocks went to disk:\n" + executorLogs);
        assertEquals(List.of(), cluster.appCacheFiles(app, "rdd_"), "no chunk left in the application's directories");
    }

    @Test
    void theLauncherSubmitsToTheClusterItsHadoopConfigurationNames() throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", SparkProcesses.ROOT.resolve("kortex").toString(),
                "submit"));
        command.addAll(submitArgs("cluster", "launcher", List.of()));
        SparkProcesses.Result job = run(command, "launcher");
        ApplicationReport app = cluster.newestApplication();
        String driverOut = cluster.containerLog(app, "_000001", "stdout");
        assertEquals(0, job.exitCode(), job.output() + "\n--- driver stdout\n" + driverOut);
        assertSucceededWithNoExecutorLost(app, cluster.containerLog(app, "_000001", "stderr"));
        assertBothExecutorsTrained(new SparkProcesses.Result(0, driverOut).result("rows_by_executor"), driverOut);
        assertArrayEquals(network("client"), network("launcher"),
                "Spark's jars from the launcher's own archive train the same model");
    }

    @Test
    void anExecutorContainerKilledThroughYarnMidFitChangesNoBitOfTheModel() throws Exception {
        Lost lost = loseAnExecutorMidFit("container-kill",
                id -> cluster.client().signalToContainer(id, SignalContainerCommand.FORCEFUL_SHUTDOWN));
        assertTrue(lost.output().contains("Sent signal FORCEFUL_SHUTDOWN (SIGKILL)")
                && lost.output().contains("for container " + lost.container())
                && lost.output().contains("Exit status: 137"), "Spark heard from YARN that " + lost.container()
                + " was killed:\n" + lost.output());
    }

    @Test
    void anExecutorContainerPreemptedMidFitChangesNoBitOfTheModel() throws Exception {
        Lost lost = loseAnExecutorMidFit("container-preempted", cluster::preempt);
        assertTrue(lost.output().contains("Container " + lost.container() + " on host: ")
                && lost.output().contains("was preempted"), "Spark heard from YARN that " + lost.container()
                + " was preempted:\n" + lost.output());
    }

    /** What {@link #loseAnExecutorMidFit} saw: the job's output and the container it took. */
    private record Lost(String output, ContainerId container) {
    }

    /** An action of YARN's on one container. */
    private interface ContainerAction {
        void apply(ContainerId container) throws Exception;
    }

    /**
     * Runs the fit in client mode, takes one of its two executor containers away with {@code lose}
     * once the first epoch has ended, and asserts that the job still succeeds with the undisturbed
     * client-mode run's model, bit for bit, after running an epoch again or rebuilding the lost
     * blocks before the next one.
     */
    private static Lost loseAnExecutorMidFit(String name, ContainerAction lose) throws Exception {
        assertEquals(0, client.exitCode(), "the undisturbed run failed:\n" + client.output());
        Path log = dir.resolve(name + ".log");
        Process job = SparkProcesses.start(submit("client", name, List.of()), SparkProcesses.hadoopEnv(cluster.confDir()),
                log);
        ContainerId taken;
        try {
            long deadline = System.currentTimeMillis() + 300_000;
            while (!Files.readString(log).contains("epoch 1/" + EPOCHS)) {
                assertTrue(job.isAlive() && System.currentTimeMillis() < deadline, "never saw epoch 1:\n"
                        + Files.readString(log));
                Thread.sleep(100);
            }
            ApplicationReport app = cluster.newestApplication();
            List<ContainerReport> executors = cluster.runningContainers(app).stream()
                    .filter(c -> !c.getContainerId().toString().endsWith("_000001")).toList();
            assertEquals(2, executors.size(), "two executor containers run the fit: " + executors);
            taken = executors.get(0).getContainerId();
            lose.apply(taken);
            assertTrue(job.waitFor(600, TimeUnit.SECONDS), "the job finishes");
        } finally {
            SparkProcesses.kill(job.toHandle());
        }
        String out = Files.readString(log);
        assertEquals(0, job.exitValue(), out);
        // Lost during an epoch, the epoch runs again; lost between two, the next epoch first
        // rebuilds the blocks the container held, or, when their cached copies live elsewhere,
        // moves them to the executors there are. Either way the fit must notice, and end equal.
        assertTrue(out.contains(" failed on attempt 1 of 4 and runs again from its start")
                        || out.contains("training blocks were lost with their executor; recomputing them")
                        || out.contains("an executor of the training blocks is gone; the blocks move from"),
                "the fit recovered from the lost container:\n" + out);
        assertArrayEquals(network("client"), network(name), "same network as the undisturbed run\n" + out);
        return new Lost(out, taken);
    }

    @Test
    void underDynamicAllocationTheFitTrainsOneBlockOnOneContainer() throws Exception {
        SparkProcesses.Result job = run(submit("client", "dynamic", List.of("--conf", "spark.dynamicAllocation.enabled=true",
                "--conf", "spark.dynamicAllocation.shuffleTracking.enabled=true", "--conf",
                "spark.dynamicAllocation.maxExecutors=2", "--conf", "spark.dynamicAllocation.executorIdleTimeout=600s")),
                "dynamic");
        assertEquals(0, job.exitCode(), job.output());
        assertTrue(job.output().contains("spark.dynamicAllocation.enabled=true, and Spark runs no barrier stage under"
                + " dynamic allocation, so this fit trains one block on one executor"), job.output());
        Matcher m = EXECUTOR_ROWS.matcher(job.result("rows_by_executor"));
        assertTrue(m.find() && !m.group(1).equals("driver") && Long.parseLong(m.group(2)) == EPOCHS * 12000L,
                "one executor container trained every row: " + job.result("rows_by_executor"));
        assertTrue(!m.find(), "one executor only: " + job.result("rows_by_executor"));
        assertTrue(Double.parseDouble(job.result("test_accuracy")) > 0.85, job.output());
        assertSucceededWithNoExecutorLost(cluster.newestApplication(), job.output());
    }

    @Test
    void fitsTooLargeForTheirContainersFailBeforeTrainingNamingWhatToChange() throws Exception {
        // 784-4096-3072-10: 15.8 M parameters need about 905 MiB of arrays, more than a 1 GiB heap
        // less Spark's 300 MiB. Unchecked, its executors ran out of heap in the first epoch. The
        // check runs before the classes are counted, so it counts at least 2 outputs.
        String heap = assertRefusedBeforeTraining("heap-too-small", "4096,3072");
        assertTrue(heap.contains("and at least 2 outputs that makes a network of 15,807,490 parameters: training it"
                + " needs about 904.5 MiB")
                && heap.contains("more than the 724.0 MiB a JVM of this application may use"), heap);
        // 784-4096-2048-10 fits the heap, but its sync buffers (3 x 44 MiB) overflow the 384 MiB
        // that Spark's default gives a 1 GiB executor's container outside the heap.
        String overhead = assertRefusedBeforeTraining("overhead-too-small", "4096,2048");
        assertTrue(overhead.contains("Column features: a network of 11,610,114 parameters needs about 420.9 MiB of each"
                + " executor's memory outside its heap") && overhead.contains("more than the 384.0 MiB of"
                + " spark.executor.memoryOverhead its container allows by default")
                && overhead.contains("Set spark.executor.memoryOverhead to at least 421m"), overhead);
    }

    /** Submits a fit with {@code hidden} layers and asserts it failed with one error before any epoch; returns its output. */
    private static String assertRefusedBeforeTraining(String name, String hidden) throws Exception {
        SparkProcesses.Result job = run(submit("client", name, List.of(), "--hidden", hidden), name);
        String out = job.output();
        assertEquals(1, job.exitCode(), out);
        assertTrue(out.contains("error: "), out);
        assertTrue(!out.contains("epoch 1/"), "refused before training:\n" + out);
        assertTrue(!out.contains("Exit status: "), "no executor container was lost:\n" + out);
        assertTrue(!cluster.fileSystem().exists(new org.apache.hadoop.fs.Path("/models/" + name)), "no model written");
        return out;
    }

    /**
     * Asserts that YARN reports {@code app} succeeded and that its driver's log records no executor
     * container lost: none killed for its memory (YARN's exit status -104 or 143) or otherwise.
     */
    private static void assertSucceededWithNoExecutorLost(ApplicationReport app, String driverLog) throws Exception {
        ApplicationReport report = cluster.client().getApplicationReport(app.getApplicationId());
        // A client-mode spark-submit may exit before the ResourceManager has processed the
        // ApplicationMaster's unregistering; until then the final status reads UNDEFINED.
        long deadline = System.currentTimeMillis() + 60_000;
        while (!TERMINAL.contains(report.getYarnApplicationState()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            report = cluster.client().getApplicationReport(app.getApplicationId());
        }
        assertEquals(FinalApplicationStatus.SUCCEEDED, report.getFinalApplicationStatus(), report.getDiagnostics());
        assertTrue(!driverLog.contains("Exit status: "), "no executor container was lost:\n" + driverLog);
    }
}

package io.kortexdl.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptReport;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerReport;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.PreemptableResourceScheduler;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.ResourceScheduler;

/**
 * A YARN cluster in this JVM for the end-to-end tests: a ResourceManager and
 * {@code nodeManagers} NodeManagers of one vcore and a fixed memory each, enforcing the physical
 * memory of every container as real clusters do, over a one-DataNode HDFS that holds Spark's
 * jars as {@code spark.yarn.archive}. Its client configuration is written to {@link #confDir()},
 * the directory a user's {@code HADOOP_CONF_DIR} names.
 */
final class YarnCluster implements AutoCloseable {
    /** HDFS path of the zip of Spark's jars that containers take as {@code spark.yarn.archive}. */
    private static final String ARCHIVE = "/apps/spark/spark-libs.zip";

    private final MiniDFSCluster hdfs;
    private final MiniYARNCluster yarn;
    private final YarnClient client;
    private final Path confDir;

    private YarnCluster(MiniDFSCluster hdfs, MiniYARNCluster yarn, YarnClient client, Path confDir) {
        this.hdfs = hdfs;
        this.yarn = yarn;
        this.client = client;
        this.confDir = confDir;
    }

    /**
     * Starts HDFS and YARN under {@code dir}, uploads Spark's jars and returns once every
     * NodeManager has registered.
     *
     * @param nodeMemoryMb memory each NodeManager offers its containers
     */
    static YarnCluster start(Path dir, int nodeManagers, int nodeMemoryMb) throws Exception {
        Configuration hdfsConf = new Configuration();
        hdfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(hdfsConf).numDataNodes(1).build();
        MiniYARNCluster yarn = null;
        YarnClient client = null;
        try {
            hdfs.waitActive();
            String defaultFs = "hdfs://127.0.0.1:" + hdfs.getNameNodePort();

            YarnConfiguration conf = new YarnConfiguration();
            conf.set("fs.defaultFS", defaultFs);
            conf.setInt(YarnConfiguration.NM_PMEM_MB, nodeMemoryMb);
            conf.setInt(YarnConfiguration.NM_VCORES, 1);
            conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 512);
            conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, nodeMemoryMb);
            // As most clusters run: physical memory enforced, virtual memory (which a JVM reserves
            // by the gigabyte) not.
            conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, true);
            conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
            conf.setLong(YarnConfiguration.NM_CONTAINER_MON_INTERVAL_MS, 1000);
            conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 99.5f);
            conf.setBoolean(YarnConfiguration.RM_SCHEDULER_INCLUDE_PORT_IN_NODE_NAME, true);
            // The capacity scheduler's queues, which a cluster's capacity-scheduler.xml defines.
            conf.set("yarn.scheduler.capacity.root.queues", "default");
            conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
            conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
            conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
            conf.setLong(YarnConfiguration.DEBUG_NM_DELETE_DELAY_SEC, 600);
            System.setProperty("test.build.data", dir.resolve("yarn").toString());
            yarn = new MiniYARNCluster("kortexdl", nodeManagers, 1, 1);
            yarn.init(conf);
            yarn.start();
            if (!yarn.waitForNodeManagersToConnect(120_000)) {
                throw new IOException(nodeManagers + " NodeManagers did not register within 120 s");
            }
            Path confDir = Files.createDirectories(dir.resolve("hadoop-conf"));
            Configuration written = new Configuration(yarn.getConfig());
            written.set("fs.defaultFS", defaultFs);
            try (OutputStream out = Files.newOutputStream(confDir.resolve("yarn-site.xml"))) {
                written.writeXml(out);
            }
            Configuration core = new Configuration(false);
            core.set("fs.defaultFS", defaultFs);
            try (OutputStream out = Files.newOutputStream(confDir.resolve("core-site.xml"))) {
                core.writeXml(out);
            }
            uploadSparkJars(hdfs.getFileSystem(), dir.resolve("spark-libs.zip"));
            client = YarnClient.createYarnClient();
            client.init(yarn.getConfig());
            client.start();
            return new YarnCluster(hdfs, yarn, client, confDir);
        } catch (Exception e) {
            if (yarn != null) {
                yarn.stop();
            }
            hdfs.shutdown();
            throw e;
        }
    }

    /** The jars of a Spark distribution (this JVM's Spark classpath), stored uncompressed in one zip on HDFS. */
    private static void uploadSparkJars(FileSystem fs, Path zip) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.setMethod(ZipOutputStream.STORED);
            Set<String> added = new HashSet<>();
            for (String entry : SparkProcesses.sparkClasspath()) {
                Path jar = Path.of(entry);
                String name = jar.getFileName().toString();
                if (!Files.isRegularFile(jar) || !name.endsWith(".jar") || !added.add(name)) {
                    continue;
                }
                byte[] bytes = Files.readAllBytes(jar);
                CRC32 crc = new CRC32();
                crc.update(bytes);
                ZipEntry zipEntry = new ZipEntry(name);
                zipEntry.setSize(bytes.length);
                zipEntry.setCompressedSize(bytes.length);
                zipEntry.setCrc(crc.getValue());
                out.putNextEntry(zipEntry);
                out.write(bytes);
                out.closeEntry();
            }
        }
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(zip.toString()), new org.apache.hadoop.fs.Path(ARCHIVE));
        Files.delete(zip);
    }

    /** {@code hdfs://127.0.0.1:<port>}, the default file system of the cluster's applications. */
    String hdfsUri() {
        return "hdfs://127.0.0.1:" + hdfs.getNameNodePort();
    }

    /** The cluster's HDFS, for the tests' own reads and writes. */
    FileSystem fileSystem() throws IOException {
        return hdfs.getFileSystem();
    }

    /** The client configuration directory (core-site.xml, yarn-site.xml): {@code HADOOP_CONF_DIR}. */
    Path confDir() {
        return confDir;
    }

    /** The {@code spark.yarn.archive} value: Spark's jars on the cluster's HDFS. */
    String sparkArchive() {
        return hdfsUri() + ARCHIVE;
    }

    /** The ResourceManager's client, as a cluster's administrator uses it. */
    YarnClient client() {
        return client;
    }

    /** The report of the application submitted last, or null before the first. */
    ApplicationReport newestApplication() throws Exception {
        return client.getApplications(EnumSet.allOf(YarnApplicationState.class)).stream()
                .max(java.util.Comparator.comparing(ApplicationReport::getApplicationId)).orElse(null);
    }

    /** The running containers of {@code application}'s current attempt, its ApplicationMaster's included. */
    List<ContainerReport> runningContainers(ApplicationReport application) throws Exception {
        ApplicationAttemptReport attempt = client.getApplicationAttemptReport(
                client.getApplicationReport(application.getApplicationId()).getCurrentApplicationAttemptId());
        return client.getContainers(attempt.getApplicationAttemptId());
    }

    /**
     * Preempts {@code container} as the capacity scheduler's preemption policy does when another
     * queue needs its resources: the ResourceManager ends it with exit status
     * {@code PREEMPTED} (-102) and has its NodeManager kill it.
     */
    void preempt(ContainerId container) {
        ResourceScheduler scheduler = yarn.getResourceManager().getResourceScheduler();
        ((PreemptableResourceScheduler) scheduler).markContainerForKillable(scheduler.getRMContainer(container));
    }

    /**
     * The text of log file {@code file} ("stdout", "stderr") of every container of
     * {@code application} whose id ends with {@code containerSuffix} (e.g. {@code "_000001"}, the
     * ApplicationMaster), read from the NodeManagers' log directories.
     */
    String containerLog(ApplicationReport application, String containerSuffix, String file) throws IOException {
        String app = application.getApplicationId().toString();
        StringBuilder text = new StringBuilder();
        try (var files = Files.walk(yarn.getTestWorkDir().toPath())) {
            for (Path log : files.filter(p -> p.getFileName().toString().equals(file)
                    && p.getParent().getFileName().toString().endsWith(containerSuffix)
                    && p.getParent().getParent().getFileName().toString().equals(app)).sorted().toList()) {
                text.append(new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1));
            }
        }
        return text.toString();
    }

    /**
     * The files under {@code application}'s directories in the NodeManagers' local directories
     * ({@code usercache/<user>/appcache/<application>}) whose name starts with {@code prefix}; the
     * NodeManagers keep those directories 600 s after the application ends.
     */
    List<Path> appCacheFiles(ApplicationReport application, String prefix) throws IOException {
        String appCache = "/appcache/" + application.getApplicationId() + "/";
        try (var files = Files.walk(yarn.getTestWorkDir().toPath())) {
            return files.filter(p -> p.toString().contains(appCache) && p.getFileName().toString().startsWith(prefix)
                    && Files.isRegularFile(p)).toList();
        }
    }

    /** Stops YARN, then HDFS. */
    @Override
    public void close() {
        client.stop();
        yarn.stop();
        hdfs.shutdown();
    }
}

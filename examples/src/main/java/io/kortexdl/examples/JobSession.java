package io.kortexdl.examples;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a job: the master given by {@code --master}, else the one spark-submit
 * set, else {@code local[*]} so a job also runs as a plain {@code java} main.
 */
public final class JobSession {
    private JobSession() {
    }

    /** A job's body. */
    @FunctionalInterface
    public interface Body {
        /** Runs the job. */
        void run() throws Exception;
    }

    /**
     * Runs {@code body}; a user mistake (a bad argument, a missing or unreadable path, a column
     * that is not there, a learning rate that makes training diverge) ends the job with
     * {@code error: <message>} and status 1 instead of a stack trace. Anything else propagates.
     */
    public static void exitOnUserError(Body body) throws Exception {
        try {
            body.run();
        } catch (Exception e) {
            if (e instanceof IllegalArgumentException || e instanceof java.io.IOException
                    || e instanceof org.apache.spark.sql.AnalysisException
                    || e instanceof io.kortexdl.spark.TrainingDivergedException) {
                System.err.println("error: " + e.getMessage());
                System.exit(1);
            }
            throw e;
        }
    }

    /**
     * Gets or creates the session.
     *
     * @param masterOverride a Spark master URL, or null to keep spark-submit's (or {@code local[*]})
     */
    public static SparkSession start(String appName, String masterOverride) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        if (masterOverride != null) {
            builder.master(masterOverride);
        } else if (!new SparkConf().contains("spark.master")) {
            builder.master("local[*]");
        }
        return builder.getOrCreate();
    }

    /**
     * Fails before any work when {@code path} exists and {@code overwrite} is false, or when its
     * directory cannot be written (checked by creating it if needed and writing, then deleting, a
     * probe file there), so a long job does not end by failing to write.
     *
     * @throws IllegalArgumentException naming the option and the path
     */
    public static void refuseExisting(SparkSession spark, String path, boolean overwrite, String option)
            throws java.io.IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (!overwrite && fs.exists(p)) {
            throw new IllegalArgumentException(option + " " + qualified(spark, path)
                    + " already exists; pass --overwrite to replace it");
        }
        org.apache.hadoop.fs.Path parent = fs.makeQualified(p).getParent();
        try {
            if (parent != null && !fs.mkdirs(parent)) {
                throw new java.io.IOException("could not create " + parent);
            }
            org.apache.hadoop.fs.Path probe = new org.apache.hadoop.fs.Path(parent, "." + p.getName() + ".probe-"
                    + java.util.UUID.randomUUID());
            fs.create(probe, false).close();
            if (!fs.delete(probe, false)) {
                throw new java.io.IOException("could not delete the probe file " + probe);
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(option + " " + qualified(spark, path) + " cannot be written: "
                    + e.getMessage(), e);
        }
    }

    /** {@code path} made absolute on its file system, for messages that tell where output went. */
    public static String qualified(SparkSession spark, String path) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(p).toString();
        } catch (java.io.IOException e) {
            return path;
        }
    }
}

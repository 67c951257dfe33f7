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
     * Fails before any work when {@code path} exists and {@code overwrite} is false, so a long job
     * does not end by refusing to write.
     *
     * @throws IllegalArgumentException naming the option and the path
     */
    public static void refuseExisting(SparkSession spark, String path, boolean overwrite, String option)
            throws java.io.IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        if (!overwrite && p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
            throw new IllegalArgumentException(option + " " + qualified(spark, path)
                    + " already exists; pass --overwrite to replace it");
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

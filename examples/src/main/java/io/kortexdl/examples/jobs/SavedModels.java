package io.kortexdl.examples.jobs;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Loads any saved Spark ML model (a KortexDL model, a {@code PipelineModel}, a
 * {@code CrossValidatorModel}, ...) from the class named in its {@code metadata/}, the way Spark's
 * own readers find the class of a pipeline stage.
 */
public final class SavedModels {
    private SavedModels() {
    }

    /**
     * Loads the model saved at {@code path} (any Hadoop path).
     *
     * @throws IOException if {@code path} holds no Spark ML metadata, names a class that is not on
     *     the classpath or not a {@link Transformer}, or its reader fails
     */
    public static Transformer load(SparkSession spark, String path) throws IOException {
        String className = className(spark, path);
        try {
            Class<?> type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
            if (!Transformer.class.isAssignableFrom(type)) {
                throw new IOException(path + " holds a " + className + ", which is not a model (Transformer)");
            }
            Method load = type.getMethod("load", String.class);
            return (Transformer) load.invoke(null, path);
        } catch (ClassNotFoundException e) {
            throw new IOException(path + " holds a " + className + ", which is not on the classpath", e);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IOException(className + " has no public static load(String)", e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException("loading " + className + " from " + path + " failed: " + cause, cause);
        }
    }

    private static String className(SparkSession spark, String path) throws IOException {
        org.apache.hadoop.fs.Path metadata = new org.apache.hadoop.fs.Path(path, "metadata");
        if (!metadata.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(metadata)) {
            throw new IOException(path + " is not a saved Spark ML model: " + metadata + " is missing");
        }
        List<Row> rows = spark.read().json(metadata.toString()).select("class").collectAsList();
        if (rows.size() != 1 || rows.get(0).isNullAt(0)) {
            throw new IOException(metadata + " does not name the model's class");
        }
        return rows.get(0).getString(0);
    }
}

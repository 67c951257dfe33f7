/**
 * Reading data sets into Spark: {@link io.kortexdl.spark.data.IdxFile} parses the IDX format of
 * MNIST and Fashion-MNIST (plain or gzipped), and {@link io.kortexdl.spark.data.IdxDataFrames}
 * turns IDX files on any Hadoop path into a DataFrame of {@code features} vectors and
 * {@code label}s, ready for {@code KortexClassifier}.
 */
package io.kortexdl.spark.data;

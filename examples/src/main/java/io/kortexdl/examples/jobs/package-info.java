/**
 * Jobs for any spark-submit: {@link io.kortexdl.examples.jobs.FashionMnistJob} (train, report,
 * save), {@link io.kortexdl.examples.jobs.PredictJob} (load any saved Spark ML model and score
 * Parquet or CSV) and {@link io.kortexdl.examples.jobs.TuneJob} (a cross-validated pipeline on a
 * CSV). Each ends a user mistake with one {@code error:} line and prints a last
 * {@code RESULT key=value ...} line.
 */
package io.kortexdl.examples.jobs;

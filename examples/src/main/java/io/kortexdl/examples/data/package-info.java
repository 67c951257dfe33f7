/**
 * Data for the examples and benchmarks: Fashion-MNIST as plain arrays
 * ({@link io.kortexdl.examples.data.FashionMnist}, {@link io.kortexdl.examples.data.LabeledData})
 * and the small scikit-learn tables split into training and test rows
 * ({@link io.kortexdl.examples.data.SmallCsv}).
 */
package io.kortexdl.examples.data;

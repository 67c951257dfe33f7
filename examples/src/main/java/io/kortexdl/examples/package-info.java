/**
 * What the launcher runs besides the jobs: {@link io.kortexdl.examples.StandaloneNetworkExample}
 * (the {@code Network} API without Spark, {@code ./kortex example}) and the helpers the jobs and
 * benchmarks share: {@link io.kortexdl.examples.Args} (command-line options),
 * {@link io.kortexdl.examples.JobSession} (a job's Spark session and output checks) and
 * {@link io.kortexdl.examples.MiniBatchLoop}.
 */
package io.kortexdl.examples;

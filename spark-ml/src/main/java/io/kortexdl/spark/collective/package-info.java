/**
 * How training tasks on different executors combine their work without the driver: a
 * {@link io.kortexdl.spark.collective.Collective} (one per epoch and block) whose
 * {@link io.kortexdl.spark.collective.TcpCollective} implementation sums arrays in rank order over
 * direct TCP connections ({@code Exchange} moves the frames), participants that find each other at a
 * {@link io.kortexdl.spark.collective.Rendezvous} on the driver, the
 * {@link io.kortexdl.spark.collective.CollectiveSettings} users can set ({@code spark.kortexdl.collective.*}),
 * and the {@link io.kortexdl.spark.collective.CollectiveException} that names a failed peer.
 */
package io.kortexdl.spark.collective;

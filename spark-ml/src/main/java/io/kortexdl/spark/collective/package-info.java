/**
 * How training tasks on different executors combine their work without the driver: a
 * {@link io.kortexdl.spark.collective.Collective} (one per epoch and block) whose
 * {@link io.kortexdl.spark.collective.TcpCollective} implementation sums arrays in rank order over
 * direct TCP connections ({@code Exchange} moves the frames), participants that find each other at a
 * {@link io.kortexdl.spark.collective.Rendezvous} on the driver, the
 * {@link io.kortexdl.spark.collective.CollectiveSettings} users can set ({@code spark.kortexdl.collective.*}),
 * and the {@link io.kortexdl.spark.collective.CollectiveException} that names a failed peer.
 *
 * <p>Every connection opens with the {@link io.kortexdl.spark.collective.Guard}'s handshake: the
 * attempt's token, and with Spark's authentication a challenge and response over the
 * application's secret; with Spark's encryption, {@code Link} and {@code Exchange} then seal every
 * message ({@code Sealer}, AES-GCM). Listeners accept through a {@code Gate}, which gives each new
 * connection a thread and a deadline of its own, so that strangers on a port hold up no one.
 */
package io.kortexdl.spark.collective;

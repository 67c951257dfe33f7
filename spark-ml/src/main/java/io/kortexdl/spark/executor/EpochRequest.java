package io.kortexdl.spark;

import io.kortexdl.spark.collective.CollectiveSettings;
import java.io.Serializable;
import org.apache.spark.broadcast.Broadcast;

/**
 * What every training task of one epoch is told.
 *
 * @param epoch 0-based epoch index, which is also the number of epochs the starting state has seen
 * @param learningRate the epoch's step size
 * @param syncInterval steps between syncs when several blocks train: 1 sums the gradients every
 *     step (exact synchronous SGD), K averages parameters and optimizer state every K steps
 * @param start with a single block, the state the epoch starts from, read by the executor only when
 *     its trainer does not already hold exactly that state (Spark fetches a broadcast's bytes on first
 *     use); null with several blocks, whose tasks get it from the epoch's rendezvous when they need it,
 *     and in local mode, where the task finds it in {@link DriverJvmStates}
 * @param network the collective's ports and timeouts
 */
record EpochRequest(int epoch, float learningRate, int syncInterval, Broadcast<TrainingState> start,
                    CollectiveSettings network) implements Serializable {
}

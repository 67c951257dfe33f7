package io.kortexdl.spark;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Training states handed by reference between the driver and a training task that runs in the
 * driver's own JVM (local mode, one block). Spark would otherwise serialize the state twice an
 * epoch, as a broadcast and as a task result, and hold several copies at once: with a first
 * layer of 2^18 x 64 weights and Adam that is 200 MB a copy, more than a 2 GB driver holds.
 * Keys are a fit's run id and what the state is; the driver removes what it put.
 */
final class DriverJvmStates {
    private static final ConcurrentHashMap<String, TrainingState> STATES = new ConcurrentHashMap<>();

    private DriverJvmStates() {
    }

    /** The key of fit {@code runId}'s start state. */
    static String start(String runId) {
        return runId + "/start";
    }

    /** The key of fit {@code runId}'s end state. */
    static String end(String runId) {
        return runId + "/end";
    }

    static void put(String key, TrainingState state) {
        STATES.put(key, state);
    }

    /**
     * The state under {@code key}, left in place.
     *
     * @throws IllegalStateException when there is none (the task does not run in the driver's JVM)
     */
    static TrainingState get(String key) {
        TrainingState state = STATES.get(key);
        if (state == null) {
            throw new IllegalStateException("KortexDL: no training state " + key + " in this JVM; a local-mode"
                    + " task ran outside the driver's JVM");
        }
        return state;
    }

    /** Removes and returns the state under {@code key}, or null. */
    static TrainingState take(String key) {
        return STATES.remove(key);
    }
}

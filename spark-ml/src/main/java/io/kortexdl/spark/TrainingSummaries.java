package io.kortexdl.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import scala.Option;

/**
 * What both model classes do with their training summary as Spark's {@code HasTrainingSummary}:
 * the error for a model without one, and the local file a Spark Connect server writes when it
 * moves a cached model out of memory and reads when a client asks for the summary again; and the
 * error of a model constructed without weights.
 */
final class TrainingSummaries {
    private TrainingSummaries() {
    }

    static KortexTrainingSummary require(Option<KortexTrainingSummary> summary, String modelUid) {
        if (summary.isEmpty()) {
            throw new IllegalStateException("No training summary for " + modelUid + ": this model was loaded or"
                    + " constructed, not trained in this session (hasSummary() tells)");
        }
        return summary.get();
    }

    /** Writes the summary's JSON document to the local file {@code path}. */
    static void save(Option<KortexTrainingSummary> summary, String modelUid, String path) {
        try {
            Files.writeString(Path.of(path), require(summary, modelUid).toJson(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training summary of " + modelUid + " to " + path, e);
        }
    }

    /** Reads a summary {@link #save} wrote. */
    static Option<KortexTrainingSummary> load(String path) {
        try {
            return Option.apply(KortexTrainingSummary.fromJson(Files.readString(Path.of(path), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a training summary from " + path, e);
        }
    }

    /** The error for a model made by the no-argument constructor (Spark Connect's stage registry needs it). */
    static IllegalStateException untrained(String className, String uid) {
        return new IllegalStateException(className + " " + uid + " has no weights: it was constructed empty; fit an"
                + " estimator or load a saved model instead");
    }
}

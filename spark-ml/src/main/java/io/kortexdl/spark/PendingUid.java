package io.kortexdl.spark;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Hands a stage's uid to its {@code uid()} method while Spark's superclass constructors run:
 * they build the inherited params (featuresCol, labelCol, ...) before any Java field is
 * assigned, and every param records {@code parent.uid()} at construction.
 */
final class PendingUid {
    private static final ThreadLocal<Deque<String>> PENDING = ThreadLocal.withInitial(ArrayDeque::new);

    private PendingUid() {
    }

    /** Makes {@code uid} the pending one; returns null so it can be passed to a marker constructor. */
    static Void push(String uid) {
        if (uid == null || uid.isEmpty()) {
            throw new IllegalArgumentException("uid: expected a non-empty string, got " + (uid == null ? "null" : "\"\""));
        }
        PENDING.get().push(uid);
        return null;
    }

    /** The uid of the stage under construction on this thread. */
    static String peek() {
        return PENDING.get().peek();
    }

    /** Removes and returns the pending uid once the superclass constructors are done. */
    static String pop() {
        return PENDING.get().pop();
    }
}

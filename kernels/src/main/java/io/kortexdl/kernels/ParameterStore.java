package io.kortexdl.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The network's parameter vector, readable by many threads while updates are applied whole.
 *
 * <p>Copy-on-write over a small pool of buffers: a reader pins the current buffer (one CAS)
 * and computes on it undisturbed; an update reads the current buffer and writes the new
 * values into a buffer nobody has pinned, then publishes it with one volatile write. Readers
 * therefore see the parameters before or after an update, never a mix, and updates are
 * serialised by a lock so none is lost. The update itself writes the new buffer while reading
 * the old one, so publishing costs no extra copy.
 *
 * <p>The single-caller paths ({@link #unsynchronizedValues()}, {@link #updateInPlace}) skip all
 * of this; they must not run concurrently with anything else.
 */
final class ParameterStore {

    /** A parameter buffer and its pin count ({@code -1} while an update writes it). */
    static final class Buffer {
        final float[] values;
        final AtomicInteger pins = new AtomicInteger();

        Buffer(float[] values) {
            this.values = values;
        }
    }

    /**
     * Computes new parameters into {@code to} from {@code from} and a gradient; {@code from} and
     * {@code to} may be the same array. One instance serves every call, so updating allocates nothing.
     */
    @FunctionalInterface
    interface Step {
        void apply(float[] from, float[] to, float[] gradient, float learningRate);
    }

    private final ReentrantLock updateLock = new ReentrantLock();
    private final List<Buffer> buffers = new ArrayList<>();
    private volatile Buffer current;

    ParameterStore(float[] initial) {
        Buffer first = new Buffer(initial);
        buffers.add(first);
        current = first;
    }

    /** The current values without pinning; only for callers that exclude every other access. */
    float[] unsynchronizedValues() {
        return current.values;
    }

    /** Pins and returns the current buffer; every pin must be followed by {@link #unpin}. */
    Buffer pin() {
        while (true) {
            Buffer buffer = current;
            int pins = buffer.pins.get();
            if (pins >= 0 && buffer.pins.compareAndSet(pins, pins + 1)) {
                if (buffer == current) {
                    return buffer;
                }
                buffer.pins.decrementAndGet();
            }
            Thread.onSpinWait();
        }
    }

    /** Releases a pin taken by {@link #pin()}. */
    void unpin(Buffer buffer) {
        buffer.pins.decrementAndGet();
    }

    /**
     * The buffer one read computes on: pinned when {@code safe} (other threads may update
     * meanwhile), else the current buffer as is. Every acquire must be followed by
     * {@link #release} with the same {@code safe}.
     */
    Buffer acquire(boolean safe) {
        return safe ? pin() : current;
    }

    /** Ends a read begun by {@link #acquire}. */
    void release(Buffer buffer, boolean safe) {
        if (safe) {
            unpin(buffer);
        }
    }

    /** A consistent copy of the current values. */
    float[] copy() {
        Buffer buffer = pin();
        try {
            return buffer.values.clone();
        } finally {
            unpin(buffer);
        }
    }

    /** Applies {@code step} atomically with respect to readers and to other updates. */
    void update(Step step, float[] gradient, float learningRate) {
        Buffer to = beginUpdate();
        boolean done = false;
        try {
            step.apply(current.values, to.values, gradient, learningRate);
            done = true;
        } finally {
            endUpdate(to, done);
        }
    }

    /**
     * Starts an update that the caller may spread over several threads: takes the update lock
     * and returns a buffer no reader holds, to be filled from {@link #unsynchronizedValues()} and
     * then passed to {@link #endUpdate} by the same thread.
     */
    Buffer beginUpdate() {
        updateLock.lock();
        try {
            return claimFreeBuffer(current);
        } catch (RuntimeException | Error e) {
            updateLock.unlock();
            throw e;
        }
    }

    /** Publishes {@code to} (when {@code publish}) or discards it, and releases the update lock. */
    void endUpdate(Buffer to, boolean publish) {
        to.pins.set(0);
        if (publish) {
            current = to;
        }
        updateLock.unlock();
    }

    /** Applies {@code step} in place on the current buffer; single-caller use only. */
    void updateInPlace(Step step, float[] gradient, float learningRate) {
        float[] values = current.values;
        step.apply(values, values, gradient, learningRate);
    }

    /** {@link #update} when {@code safe} (other threads may read meanwhile), else {@link #updateInPlace}. */
    void update(Step step, float[] gradient, float learningRate, boolean safe) {
        if (safe) {
            update(step, gradient, learningRate);
        } else {
            updateInPlace(step, gradient, learningRate);
        }
    }

    /** Replaces every value atomically. */
    void replace(float[] values) {
        update((from, to, unusedGradient, unusedRate) -> System.arraycopy(values, 0, to, 0, to.length), null, 0f);
    }

    private Buffer claimFreeBuffer(Buffer current) {
        for (int i = 0; i < buffers.size(); i++) {
            Buffer buffer = buffers.get(i);
            if (buffer != current && buffer.pins.compareAndSet(0, -1)) {
                return buffer;
            }
        }
        Buffer fresh = new Buffer(new float[current.values.length]);
        fresh.pins.set(-1);
        buffers.add(fresh);
        return fresh;
    }
}

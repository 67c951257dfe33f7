package io.kortexdl.spark.executor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one JVM holds for the blocks it trains, keyed by fit and block, kept between a fit's
 * epochs: a block's trainer keeps its threads, buffers and the state after an epoch.
 *
 * <p>The registry's lock guards only its map. Values are made and closed outside it, so a trainer
 * whose threads start or join (for seconds, under load) never holds up another block's task.
 * A fit's values go when the fit ends ({@link #release}); values nobody has used for
 * {@code idleMs} are closed by a daemon thread, so a JVM that the end of a fit did not reach
 * (its release task ran elsewhere, or the driver died) frees them too.
 *
 * @param <T> what is held per block; closed when released
 */
public final class TrainerRegistry<T extends AutoCloseable> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerRegistry.class);

    /** A fit's run id and a block index. */
    private record Key(String runId, int block) {
    }

    private static final class Entry<T> {
        final T value;
        int leases;
        long lastUsed = System.currentTimeMillis();
        /** Removed from the registry; the last lease to end closes it. */
        boolean released;

        Entry(T value) {
            this.value = value;
        }
    }

    private final long idleMs;
    private final Map<Key, Entry<T>> entries = new HashMap<>();
    private final AtomicBoolean reaperStarted = new AtomicBoolean();

    /** @param idleMs how long a value nobody leases is kept, in milliseconds */
    public TrainerRegistry(long idleMs) {
        this.idleMs = idleMs;
    }

    /**
     * The value held for block {@code block} of fit {@code runId}, made by {@code create} (outside
     * the registry's lock) when there is none, and leased until the lease is closed: a leased value
     * is never closed for idleness.
     *
     * @param create makes the value, or returns null when it cannot (the block is lost)
     * @return the lease, or null when {@code create} returned null
     */
    public Lease<T> acquire(String runId, int block, Supplier<T> create) {
        Key key = new Key(runId, block);
        Entry<T> entry;
        synchronized (this) {
            entry = entries.get(key);
            if (entry != null) {
                entry.leases++;
                return new Lease<>(this, entry);
            }
        }
        T made = create.get();
        if (made == null) {
            return null;
        }
        T surplus = null;
        synchronized (this) {
            entry = entries.get(key);
            if (entry == null) {
                entry = new Entry<>(made);
                entries.put(key, entry);
            } else {
                surplus = made; // another task of the same block made one first
            }
            entry.leases++;
        }
        closeAll(surplus == null ? List.of() : List.of(surplus));
        startReaper();
        return new Lease<>(this, entry);
    }

    /** The value held for block {@code block} of fit {@code runId}, not leased, or null. */
    public synchronized T held(String runId, int block) {
        Entry<T> entry = entries.get(new Key(runId, block));
        return entry == null ? null : entry.value;
    }

    /**
     * Forgets every value of fit {@code runId} and closes it; a value still leased (a task attempt
     * of that fit still running) is closed when its last lease ends.
     */
    public void release(String runId) {
        release(key -> key.runId().equals(runId));
    }

    /**
     * Forgets the value of block {@code block} of fit {@code runId} and closes it, as
     * {@link #release(String)} does; the next {@link #acquire} of the block makes a new one.
     */
    public void release(String runId, int block) {
        Key released = new Key(runId, block);
        release(released::equals);
    }

    private void release(java.util.function.Predicate<Key> which) {
        List<T> released = new ArrayList<>();
        synchronized (this) {
            entries.entrySet().removeIf(e -> {
                boolean mine = which.test(e.getKey());
                if (mine) {
                    e.getValue().released = true;
                    if (e.getValue().leases == 0) {
                        released.add(e.getValue().value);
                    }
                }
                return mine;
            });
        }
        closeAll(released);
    }

    /** Closes the values nobody has leased for {@code idleMs}. */
    void closeIdle() {
        long now = System.currentTimeMillis();
        List<T> idle = new ArrayList<>();
        synchronized (this) {
            entries.values().removeIf(e -> {
                boolean stale = e.leases == 0 && now - e.lastUsed >= idleMs;
                if (stale) {
                    idle.add(e.value);
                }
                return stale;
            });
        }
        closeAll(idle);
    }

    private void returned(Entry<T> entry) {
        boolean close;
        synchronized (this) {
            entry.leases--;
            entry.lastUsed = System.currentTimeMillis();
            close = entry.released && entry.leases == 0;
        }
        if (close) {
            closeAll(List.of(entry.value));
        }
    }

    private void startReaper() {
        if (!reaperStarted.compareAndSet(false, true)) {
            return;
        }
        Thread reaper = new Thread(() -> {
            long period = Math.max(10, idleMs / 4);
            while (true) {
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
                closeIdle();
            }
        }, "kortexdl-trainer-reaper");
        reaper.setDaemon(true);
        reaper.start();
    }

    private static void closeAll(List<? extends AutoCloseable> values) {
        for (AutoCloseable value : values) {
            try {
                value.close();
            } catch (Exception e) {
                LOG.warn("KortexDL: closing an executor's trainer failed", e);
            }
        }
    }

    /**
     * One task's use of a held value; closing it marks the value unused from then on.
     *
     * @param <T> what is held
     */
    public static final class Lease<T extends AutoCloseable> implements AutoCloseable {
        private final TrainerRegistry<T> registry;
        private final Entry<T> entry;
        private boolean closed;

        private Lease(TrainerRegistry<T> registry, Entry<T> entry) {
            this.registry = registry;
            this.entry = entry;
        }

        /** The held value. */
        public T value() {
            return entry.value;
        }

        /** Ends this lease. Idempotent. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                registry.returned(entry);
            }
        }
    }
}

package io.kortexdl.kernels;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A lock-free pool of {@link Workspace}s shared by the threads calling one network. Taking and
 * returning a workspace is one CAS each and allocates nothing once as many workspaces exist as
 * there are concurrent callers (up to {@link #SLOTS}; beyond that, extra workspaces are
 * dropped on return and reallocated).
 */
final class WorkspacePool {
    static final int SLOTS = 64;

    private final ParameterLayout layout;
    private final AtomicReferenceArray<Workspace> slots = new AtomicReferenceArray<>(SLOTS);

    WorkspacePool(ParameterLayout layout) {
        this.layout = layout;
    }

    /** Takes a workspace with room for at least {@code rows} rows. */
    Workspace take(int rows) {
        int start = (int) (Thread.currentThread().getId() % SLOTS);
        for (int i = 0; i < SLOTS; i++) {
            int slot = (start + i) % SLOTS;
            Workspace ws = slots.get(slot);
            if (ws != null && slots.compareAndSet(slot, ws, null)) {
                ws.ensureRows(rows);
                return ws;
            }
        }
        return new Workspace(layout, rows);
    }

    /** Returns a workspace taken from this pool. */
    void give(Workspace ws) {
        int start = (int) (Thread.currentThread().getId() % SLOTS);
        for (int i = 0; i < SLOTS; i++) {
            int slot = (start + i) % SLOTS;
            if (slots.get(slot) == null && slots.compareAndSet(slot, null, ws)) {
                return;
            }
        }
    }
}

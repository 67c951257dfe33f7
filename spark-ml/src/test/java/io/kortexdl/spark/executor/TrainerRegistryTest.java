package io.kortexdl.spark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The registry with values whose making and closing block on latches, under real contention from
 * other threads: its lock is never held while a value is made or closed, a fit's values go when it
 * is released, and values in use are never closed under a task.
 */
class TrainerRegistryTest {

    /** A value that counts its closes and can hold its close until released. */
    private static final class Value implements AutoCloseable {
        final AtomicInteger closes = new AtomicInteger();
        final CountDownLatch closing;

        Value(CountDownLatch closing) {
            this.closing = closing;
        }

        @Override
        public void close() throws InterruptedException {
            closing.await(30, TimeUnit.SECONDS);
            closes.incrementAndGet();
        }
    }

    private static Value free() {
        CountDownLatch open = new CountDownLatch(0);
        return new Value(open);
    }

    @Test
    void aBlockIsMadeOnceAndSharedUntilItsFitIsReleased() throws Exception {
        TrainerRegistry<Value> registry = new TrainerRegistry<>(60_000);
        AtomicInteger made = new AtomicInteger();
        Value first;
        try (TrainerRegistry.Lease<Value> lease = registry.acquire("fit", 0, () -> {
            made.incrementAndGet();
            return free();
        })) {
            first = lease.value();
        }
        try (TrainerRegistry.Lease<Value> again = registry.acquire("fit", 0, TrainerRegistryTest::free)) {
            assertSame(first, again.value(), "the next epoch finds the same trainer");
        }
        assertEquals(1, made.get());
        assertSame(first, registry.held("fit", 0));
        assertNull(registry.held("fit", 1));
        assertNull(registry.acquire("fit", 1, () -> null), "a lost block gives no lease");
        assertNull(registry.held("fit", 1));

        registry.release("other fit");
        assertEquals(0, first.closes.get());
        registry.release("fit");
        assertEquals(1, first.closes.get());
        assertNull(registry.held("fit", 0));
    }

    @Test
    void aValueInUseIsClosedWhenItsLastLeaseEnds() throws Exception {
        TrainerRegistry<Value> registry = new TrainerRegistry<>(60_000);
        TrainerRegistry.Lease<Value> lease = registry.acquire("fit", 0, TrainerRegistryTest::free);
        registry.release("fit");
        assertEquals(0, lease.value().closes.get(), "a zombie task attempt still uses it");
        lease.close();
        lease.close();
        assertEquals(1, lease.value().closes.get(), "closed once, by the lease's end");
    }

    @Test
    void makingOrClosingOneValueHoldsUpNoOtherBlock() throws Exception {
        TrainerRegistry<Value> registry = new TrainerRegistry<>(60_000);
        CountDownLatch making = new CountDownLatch(1);
        CountDownLatch finishMaking = new CountDownLatch(1);
        CountDownLatch finishClosing = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> slowMake = pool.submit(() -> {
                try (TrainerRegistry.Lease<Value> lease = registry.acquire("fit", 0, () -> {
                    making.countDown();
                    try {
                        finishMaking.await(30, TimeUnit.SECONDS); // as threads starting under load
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return new Value(finishClosing);
                })) {
                    return lease.value();
                }
            });
            assertTrue(making.await(30, TimeUnit.SECONDS));
            try (TrainerRegistry.Lease<Value> other = registry.acquire("fit", 1, TrainerRegistryTest::free)) {
                assertEquals(0, other.value().closes.get(), "another block's trainer is made meanwhile");
            }
            finishMaking.countDown();
            slowMake.get(30, TimeUnit.SECONDS);

            Future<?> slowRelease = pool.submit(() -> registry.release("fit")); // block 0's close waits
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (registry.held("fit", 0) != null && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertNull(registry.held("fit", 0), "the fit's entries are gone before their close ends");
            assertNull(registry.held("fit", 1));
            try (TrainerRegistry.Lease<Value> next = registry.acquire("next fit", 0, TrainerRegistryTest::free)) {
                assertSame(next.value(), registry.held("next fit", 0),
                        "the next fit gets its trainer while the old one closes");
            }
            assertFalse(slowRelease.isDone(), "the old trainer is still closing");
            finishClosing.countDown();
            slowRelease.get(30, TimeUnit.SECONDS);
        } finally {
            finishMaking.countDown();
            finishClosing.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void twoTasksOfOneBlockShareOneValueAndTheSurplusIsClosed() throws Exception {
        TrainerRegistry<Value> registry = new TrainerRegistry<>(60_000);
        CountDownLatch bothMaking = new CountDownLatch(2);
        AtomicInteger made = new AtomicInteger();
        Value[] values = new Value[2];
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?>[] tasks = new Future<?>[2];
            for (int t = 0; t < 2; t++) {
                tasks[t] = pool.submit(() -> {
                    try (TrainerRegistry.Lease<Value> lease = registry.acquire("fit", 0, () -> {
                        bothMaking.countDown();
                        try {
                            bothMaking.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        Value v = free();
                        values[made.getAndIncrement()] = v;
                        return v;
                    })) {
                        return lease.value();
                    }
                });
            }
            Object a = tasks[0].get(30, TimeUnit.SECONDS);
            Object b = tasks[1].get(30, TimeUnit.SECONDS);
            assertSame(a, b, "both tasks train the same trainer");
            assertEquals(2, made.get());
            assertEquals(1, values[0].closes.get() + values[1].closes.get(), "the one made second is closed");
            assertEquals(0, ((Value) a).closes.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void idleValuesAreClosedButNotOnesInUse() throws Exception {
        TrainerRegistry<Value> registry = new TrainerRegistry<>(0);
        Value idle;
        try (TrainerRegistry.Lease<Value> lease = registry.acquire("old fit", 0, TrainerRegistryTest::free)) {
            idle = lease.value();
        }
        try (TrainerRegistry.Lease<Value> busy = registry.acquire("fit", 0, TrainerRegistryTest::free)) {
            registry.closeIdle();
            assertEquals(1, idle.closes.get(), "an unused trainer goes");
            assertEquals(0, busy.value().closes.get(), "a leased one stays");
            assertNull(registry.held("old fit", 0));
            assertSame(busy.value(), registry.held("fit", 0));
        }
    }

    @Test
    void theReaperClosesTrainersNobodyReleased() throws Exception {
        TrainerRegistry<Value> registry = new TrainerRegistry<>(50);
        Value value;
        try (TrainerRegistry.Lease<Value> lease = registry.acquire("fit", 0, TrainerRegistryTest::free)) {
            value = lease.value();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (value.closes.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, value.closes.get(), "closed by the registry's own thread");
        assertNull(registry.held("fit", 0));
    }
}

package io.kortexdl.spark.collective;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A collective whose participants are threads of one JVM, for tests without sockets: each
 * reduction puts every participant's values side by side and every participant adds them in rank
 * order from +0, the order {@link Collective} promises. Participants that disagree on the length,
 * or one that does not arrive within a minute, fail the reduction for everyone.
 */
public final class InMemoryCollective implements Collective {
    private final Group group;
    private final int rank;
    private long bytesSent;

    private static final class Group {
        final float[][] slots;
        final int[] lengths;
        final CyclicBarrier barrier;

        Group(int size) {
            this.slots = new float[size][];
            this.lengths = new int[size];
            this.barrier = new CyclicBarrier(size);
        }
    }

    private InMemoryCollective(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    /** The participants of one new collective of {@code size}, in rank order. */
    public static List<Collective> group(int size) {
        Group group = new Group(size);
        List<Collective> members = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            members.add(new InMemoryCollective(group, r));
        }
        return members;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.slots.length;
    }

    @Override
    public void allreduceSum(float[] data, int length) {
        group.slots[rank] = java.util.Arrays.copyOf(data, length);
        group.lengths[rank] = length;
        await();
        for (int r = 0; r < size(); r++) {
            if (group.lengths[r] != length) {
                throw new CollectiveException("rank " + r + " reduces " + group.lengths[r] + " values, rank " + rank
                        + " " + length, null);
            }
        }
        for (int i = 0; i < length; i++) {
            float sum = 0f;
            for (int r = 0; r < size(); r++) {
                sum += group.slots[r][i];
            }
            data[i] = sum;
        }
        bytesSent += 4L * length * (size() - 1);
        await(); // nobody overwrites a slot before everyone has read it
    }

    private void await() {
        try {
            group.barrier.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted", e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new CollectiveException("a participant did not arrive", e);
        }
    }

    @Override
    public long bytesSent() {
        return bytesSent;
    }

    @Override
    public void close() {
    }
}

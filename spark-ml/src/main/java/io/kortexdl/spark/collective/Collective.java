package io.kortexdl.spark.collective;

/**
 * A group of participants (one per training block) that combine arrays among themselves.
 * Every participant calls the same operations in the same order.
 *
 * <p>Reductions add the participants' values in rank order, {@code ((x0 + x1) + x2) + ...},
 * starting from +0, whatever order the messages arrive in: every participant receives the same
 * bits, equal to a sequential reduction over the ranks, and the same inputs always give the
 * same result.
 */
public interface Collective extends AutoCloseable {

    /** This participant's rank, {@code 0 .. size() - 1}. */
    int rank();

    /** Number of participants. */
    int size();

    /**
     * Replaces {@code data[0 .. length)} on every participant with the element-wise sum over all
     * participants, added in rank order. Every participant must pass the same {@code length}.
     *
     * @throws CollectiveException naming the peer when one fails, times out or disagrees on the length
     */
    void allreduceSum(float[] data, int length);

    /** Bytes this participant has sent since it was created, payload and framing. */
    long bytesSent();

    /** Closes the connections. Idempotent; never throws. */
    @Override
    void close();

    /** The collective of a single participant: every reduction is the identity. */
    static Collective solo() {
        return new Collective() {
            @Override
            public int rank() {
                return 0;
            }

            @Override
            public int size() {
                return 1;
            }

            @Override
            public void allreduceSum(float[] data, int length) {
                if (length < 0 || length > data.length) {
                    throw new IllegalArgumentException("length: expected 0.." + data.length + ", got " + length);
                }
            }

            @Override
            public long bytesSent() {
                return 0;
            }

            @Override
            public void close() {
            }
        };
    }
}

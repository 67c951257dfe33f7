package io.kortexdl.spark;

/**
 * Rethrows a checked exception from a method whose Scala-defined signature cannot declare it
 * (Spark's {@code MLWriter.saveImpl}, {@code MLReader.load}), so callers see the original
 * {@code IOException}, as they would from Spark's own readers and writers.
 */
final class Sneaky {
    private Sneaky() {
    }

    /** Throws {@code e} unchanged; declared to return so call sites can write {@code throw Sneaky.rethrow(e)}. */
    static RuntimeException rethrow(Exception e) {
        return Sneaky.<RuntimeException>throwAs(e);
    }

    @SuppressWarnings("unchecked")
    private static <E extends Exception> E throwAs(Exception e) throws E {
        throw (E) e;
    }
}

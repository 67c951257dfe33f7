package io.kortexdl.examples.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The ways a trainer can read a chunk of float32 rows from a local file into the float array the
 * GEMMs take, side by side over 1,024 files of 1 MiB (the size of a packed chunk): through a pooled
 * direct buffer (what Spark's block store does into the buffer KortexDL hands it), a pooled heap
 * buffer, a memory map, and a stream into a byte array. Warm (in the page cache) and, as root,
 * cold (the cache dropped before each pass); medians of 3 passes.
 */
final class ChunkReads {
    private static final int CHUNK = 1 << 20;
    private static final int FILES = 1024;
    /** Bytes of one read of {@link #readAll}. */
    private static final int SEQUENTIAL_READ = 4 << 20;

    private ChunkReads() {
    }

    private interface Method {
        void read(Path file, float[] into) throws IOException;
    }

    /** Writes the files, then times each method; prints one RESULT line per method. */
    static void compare(Path dir, boolean root) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            Path file = dir.resolve(String.format("chunk-%03d", i));
            writeFile(file, CHUNK);
            files.add(file);
        }
        ByteBuffer direct = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer heap = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        byte[] bytes = new byte[CHUNK];
        String[] names = {"direct_buffer", "heap_buffer", "memory_map", "stream"};
        Method[] methods = {
            (file, into) -> channelRead(file, direct, into),
            (file, into) -> channelRead(file, heap, into),
            (file, into) -> {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                    MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
                    map.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into, 0, CHUNK / 4);
                    unmap(map); // as Spark disposes a mapped block: a mapping left to the GC pins its pages
                }
            },
            (file, into) -> {
                try (InputStream in = Files.newInputStream(file)) {
                    int read = in.readNBytes(bytes, 0, CHUNK);
                    ByteBuffer.wrap(bytes, 0, read).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into, 0, read / 4);
                }
            },
        };
        float[] into = new float[CHUNK / 4];
        try {
            for (int m = 0; m < methods.length; m++) {
                double warm = median(methods[m], files, into, false);
                double cold = root ? median(methods[m], files, into, true) : Double.NaN;
                SparkBench.result("bench=out-of-core-read method=" + names[m] + " chunk_mib=1 files=" + FILES
                        + " warm_mb_per_s=" + SparkBench.f(warm) + " cold_mb_per_s=" + SparkBench.f(cold));
            }
        } finally {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static double median(Method method, List<Path> files, float[] into, boolean cold) throws IOException {
        pass(method, files, into); // warms the JIT, and the page cache for the warm passes
        double[] rates = new double[3];
        for (int r = 0; r < rates.length; r++) {
            if (cold) {
                OutOfCoreBenchmark.dropPageCache();
            }
            long start = System.nanoTime();
            pass(method, files, into);
            rates[r] = (double) files.size() * CHUNK / ((System.nanoTime() - start) / 1e9) / 1e6;
        }
        return Timing.median(rates);
    }

    private static void pass(Method method, List<Path> files, float[] into) throws IOException {
        for (Path file : files) {
            method.read(file, into);
        }
    }

    /** Unmaps {@code map} at once, as Spark's {@code StorageUtils.dispose} does. */
    private static void unmap(MappedByteBuffer map) {
        try {
            java.lang.reflect.Field field = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
            field.setAccessible(true);
            Object unsafe = field.get(null);
            unsafe.getClass().getMethod("invokeCleaner", ByteBuffer.class).invoke(unsafe, map);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot unmap a chunk", e);
        }
    }

    private static void channelRead(Path file, ByteBuffer buffer, float[] into) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            buffer.clear();
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // read until full or the end of the file
            }
            buffer.flip();
            buffer.asFloatBuffer().get(into, 0, buffer.remaining() / 4);
        }
    }

    /** Writes {@code bytes} bytes of random floats to {@code file}. */
    static void writeFile(Path file, long bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        SplittableRandom random = new SplittableRandom(file.getFileName().toString().hashCode());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long written = 0; written < bytes; written += CHUNK) {
                buffer.clear();
                while (buffer.remaining() >= 4) {
                    buffer.putFloat((float) random.nextDouble());
                }
                buffer.flip();
                buffer.limit((int) Math.min(CHUNK, bytes - written));
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
            channel.force(true);
        }
    }

    /** Reads {@code file} from start to end in 4 MiB reads; returns the bytes read. */
    static long readAll(Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(SEQUENTIAL_READ);
        long total = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            int n;
            while ((n = channel.read(buffer.clear())) > 0) {
                total += n;
            }
        }
        return total;
    }
}

package io.kortexdl.spark;

import java.io.File;
import java.nio.ByteBuffer;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.storage.BlockData;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.io.ChunkedByteBuffer;
import scala.Option;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * The chunks of blocks stored on local disk, kept in Spark's own block store: each chunk is a
 * {@code DISK_ONLY} block, {@code rdd_<spill>_<chunk>} of a spill id that no RDD has, reserved
 * from the application's RDD ids. Spark therefore puts the files where it puts its own (the
 * directories of {@code spark.local.dir}, {@code SPARK_LOCAL_DIRS}, or YARN's and Kubernetes'
 * container directories), encrypts them when {@code spark.io.encryption.enabled} is set, serves
 * them to other executors, knows which are lost with an executor, and deletes them when asked
 * ({@link #removeEverywhere}) or when its executor stops. This uses Spark's block manager,
 * developer-level APIs; every such call for chunks is in this class.
 *
 * <p>Reads copy a chunk's bytes into a buffer of the caller's (a read of the file's channel),
 * rather than memory-mapping it: see the README's out-of-core measurements.
 */
final class SpillStore {
    private SpillStore() {
    }

    /** A fresh spill id of application {@code sc}, on the driver: no RDD and no other spill has it. */
    static int newSpillId(SparkContext sc) {
        return sc.newRddId();
    }

    /**
     * Stores {@code bytes} (position to limit, unchanged) as chunk {@code chunk} of spill
     * {@code spill} on this JVM's local disk, and tells the driver where it is.
     *
     * @throws java.io.IOException when the disk refuses it (full, unwritable); nothing of it is left
     */
    static void put(int spill, int chunk, ByteBuffer bytes) throws java.io.IOException {
        RDDBlockId id = new RDDBlockId(spill, chunk);
        boolean stored;
        try {
            stored = blockManager().putBytes(id, new ChunkedByteBuffer(bytes.duplicate()), StorageLevel.DISK_ONLY(),
                    true, ClassTag$.MODULE$.Any());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) { // Spark's Scala code throws IOException undeclared
            throw e instanceof java.io.IOException io ? io : new java.io.IOException(e.getMessage(), e);
        }
        if (!stored) {
            throw new java.io.IOException("Spark's block manager did not store " + id);
        }
    }

    /**
     * Chunk {@code chunk} of spill {@code spill}, from this JVM's disk or another executor's,
     * read into {@code buffer} when it has room (else a new buffer); positioned at 0 with the
     * chunk's length as limit, or null when no copy is left.
     */
    static ByteBuffer read(int spill, int chunk, ByteBuffer buffer) {
        RDDBlockId id = new RDDBlockId(spill, chunk);
        BlockManager manager = blockManager();
        Option<BlockData> local = manager.getLocalBytes(id);
        if (local.isDefined()) {
            BlockData data = local.get();
            try {
                ChunkedByteBuffer read = data.toChunkedByteBuffer(new Into(buffer));
                ByteBuffer[] chunks = read.getChunks();
                return chunks.length == 1 ? chunks[0] : read.toByteBuffer();
            } finally {
                manager.releaseLock(id, Option.empty());
            }
        }
        Option<ChunkedByteBuffer> remote = manager.getRemoteBytes(id);
        if (remote.isEmpty()) {
            return null;
        }
        ChunkedByteBuffer fetched = remote.get();
        try {
            ByteBuffer copy = buffer != null && buffer.capacity() >= fetched.size() ? buffer.clear()
                    : ByteBuffer.allocate((int) fetched.size());
            for (ByteBuffer piece : fetched.getChunks()) {
                copy.put(piece);
            }
            return copy.flip();
        } finally {
            fetched.dispose();
        }
    }

    /** Removes this JVM's chunks of spill {@code spill} (a packing task that failed, a block found corrupt). */
    static void removeLocal(int spill) {
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            env.blockManager().removeRdd(spill);
        }
    }

    /**
     * Removes chunk {@code chunk} of spill {@code spill} (one found corrupt, so that nobody reads it
     * again and packing writes it anew): this JVM's copy at once, the copies of other executors
     * through Spark's master, which removes them asynchronously; from any JVM of the application.
     */
    static void removeChunk(int spill, int chunk) {
        RDDBlockId id = new RDDBlockId(spill, chunk);
        blockManager().removeBlock(id, true);
        blockManager().master().removeBlock(id);
    }

    /**
     * Removes every executor's chunks of spill {@code spill}, waiting until they are gone; on the
     * driver only (Spark's master answers this request with a future it cannot send elsewhere).
     */
    static void removeEverywhere(int spill) {
        blockManager().master().removeRdd(spill, true);
    }

    /** The file chunk {@code chunk} of spill {@code spill} has, or would have, on this JVM's disk. */
    static File file(int spill, int chunk) {
        return blockManager().diskBlockManager().getFile(new RDDBlockId(spill, chunk));
    }

    /**
     * The directory chunk {@code chunk} of spill {@code spill} goes to on this JVM's disk, for
     * messages: its file's, or Spark's local directory it hashes to when that cannot be made.
     */
    static File directory(int spill, int chunk) {
        try {
            return file(spill, chunk).getParentFile();
        } catch (Exception e) { // the subdirectory cannot be created: a full or read-only disk
            File[] dirs = blockManager().diskBlockManager().localDirs();
            return dirs[Math.floorMod(new RDDBlockId(spill, chunk).name().hashCode(), dirs.length)];
        }
    }

    private static BlockManager blockManager() {
        return SparkEnv.get().blockManager();
    }

    /** Spark's allocator for a read: the caller's buffer when it has room, cut to the length read. */
    private static final class Into extends AbstractFunction1<Object, ByteBuffer> {
        private ByteBuffer buffer;

        Into(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public ByteBuffer apply(Object size) {
            int bytes = (Integer) size;
            ByteBuffer out = buffer != null && buffer.capacity() >= bytes ? buffer : ByteBuffer.allocateDirect(bytes);
            buffer = null; // a second piece (a chunk over 2 GB) gets its own
            return out.clear().limit(bytes);
        }
    }
}

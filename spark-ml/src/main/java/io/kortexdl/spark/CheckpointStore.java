package io.kortexdl.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of checkpoints on any Hadoop file system: {@code checkpoint-<epoch>.kxck}, each
 * written under a hidden temporary name and renamed into place (an atomic rename on HDFS and
 * local disks), so readers never see a partial checkpoint. After a write the oldest beyond the
 * newest {@code keep} are deleted.
 */
final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{6,})\\.kxck");

    private final FileSystem fs;
    private final Path dir;
    private final int keep;

    private CheckpointStore(FileSystem fs, Path dir, int keep) {
        this.fs = fs;
        this.dir = dir;
        this.keep = keep;
    }

    /** The store at {@code dir}; the directory is created by the first write. */
    static CheckpointStore open(Configuration conf, String dir, int keep) throws IOException {
        Path path = new Path(dir);
        FileSystem fs = path.getFileSystem(conf);
        return new CheckpointStore(fs, fs.makeQualified(path), keep);
    }

    /** The directory the checkpoints go to, qualified. */
    Path directory() {
        return dir;
    }

    /**
     * Checks that checkpoints can be written here, before the first epoch rather than after it:
     * creates the directory and writes, then deletes, a probe file in it.
     *
     * @throws IOException naming the directory and why it cannot be written
     */
    void checkWritable() throws IOException {
        if (!fs.mkdirs(dir)) {
            throw new IOException("could not create " + dir);
        }
        Path probe = new Path(dir, ".probe-" + UUID.randomUUID() + ".tmp");
        try (OutputStream out = fs.create(probe, false)) {
            out.write(0);
        }
        if (!fs.delete(probe, false)) {
            throw new IOException("could not delete the probe file " + probe);
        }
    }

    /** Writes {@code c} atomically and returns its path. */
    Path write(Checkpoint c) throws IOException {
        fs.mkdirs(dir);
        Path target = new Path(dir, String.format("checkpoint-%06d.kxck", c.state().epochsDone));
        Path temporary = new Path(dir, "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (OutputStream out = fs.create(temporary, false)) {
                CheckpointFormat.write(c, out);
            }
            if (fs.exists(target) && !fs.delete(target, false)) {
                throw new IOException("could not replace " + target);
            }
            if (!fs.rename(temporary, target)) {
                throw new IOException("could not rename " + temporary + " to " + target);
            }
        } finally {
            fs.delete(temporary, false);
        }
        List<Path> all = list(fs, dir);
        for (int i = 0; i < all.size() - keep; i++) {
            fs.delete(all.get(i), false);
        }
        return target;
    }

    /** The checkpoints in {@code dir}, oldest first. */
    private static List<Path> list(FileSystem fs, Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        for (FileStatus status : fs.listStatus(dir)) {
            if (status.isFile() && NAME.matcher(status.getPath().getName()).matches()) {
                found.add(status.getPath());
            }
        }
        found.sort(Comparator.comparing(Path::getName));
        return found;
    }

    /** A checkpoint read back, and the file it came from. */
    record Found(String path, Checkpoint checkpoint) {
    }

    /**
     * Reads the checkpoint at {@code path}: that file, or for a directory its newest checkpoint
     * that reads back whole (a damaged newer one is skipped with a warning naming it).
     *
     * @throws IOException if the path is missing, holds no readable checkpoint, or the file is
     *     damaged (the message says how)
     */
    static Found read(Configuration conf, String path) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
            throw new IOException("resumeFrom " + path + " does not exist");
        }
        if (fs.getFileStatus(p).isFile()) {
            return readFile(fs, p);
        }
        List<Path> all = list(fs, p);
        IOException damaged = null;
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                return readFile(fs, all.get(i));
            } catch (IOException e) {
                LOG.warn("KortexDL: skipping checkpoint {}: {}", all.get(i), e.getMessage());
                damaged = damaged == null ? e : damaged;
            }
        }
        throw new IOException("resumeFrom " + path + " holds no readable checkpoint"
                + (damaged == null ? " (no checkpoint-NNNNNN.kxck file)" : "; newest problem: " + damaged.getMessage()),
                damaged);
    }

    private static Found readFile(FileSystem fs, Path file) throws IOException {
        long length = fs.getFileStatus(file).getLen();
        Path qualified = fs.makeQualified(file);
        try (InputStream in = fs.open(file)) {
            return new Found(qualified.toString(), CheckpointFormat.read(in, length, qualified.toString()));
        }
    }
}

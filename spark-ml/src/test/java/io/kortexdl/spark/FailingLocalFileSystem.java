package io.kortexdl.spark;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@code failing:}, except that creating a file named
 * {@value #FAILING_NAME} fails: a save that breaks halfway, after the metadata and the network
 * are written. Tests register it through Hadoop's own extension point,
 * {@code fs.failing.impl} (or {@code spark.hadoop.fs.failing.impl} for a spark-submit JVM), so
 * the library holds no fault-injection code.
 */
public class FailingLocalFileSystem extends RawLocalFileSystem {
    /** The Hadoop configuration key that maps the scheme to this class. */
    public static final String IMPL_KEY = "fs.failing.impl";
    /** The file whose creation fails: the model layout file, which a save writes last. */
    public static final String FAILING_NAME = "format.properties";

    @Override
    public URI getUri() {
        return URI.create("failing:///");
    }

    @Override
    public String getScheme() {
        return "failing";
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        failOn(f);
        return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        failOn(f);
        return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
    }

    private static void failOn(Path f) throws IOException {
        if (f.getName().equals(FAILING_NAME)) {
            throw new IOException("injected failure while creating " + f);
        }
    }
}

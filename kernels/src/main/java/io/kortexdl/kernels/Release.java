package io.kortexdl.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The KortexDL release these classes belong to, as the build recorded it. */
public final class Release {
    private static final String VERSION = read();

    private Release() {
    }

    /**
     * The project version, e.g. {@code 0.1.0} (or {@code 0.1.0-SNAPSHOT} for a development build),
     * read from {@code release.properties}, which Maven fills in when it builds the jar.
     */
    public static String version() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = Release.class.getResourceAsStream("release.properties")) {
            if (in == null) {
                throw new IllegalStateException("release.properties is missing from the kernels jar");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

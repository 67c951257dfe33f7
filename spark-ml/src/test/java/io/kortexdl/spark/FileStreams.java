package io.kortexdl.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Parquet file streams for the streaming tests: rows written as single-file parts that a file
 * source reads one per micro-batch, in order, and the batch reference that scores each file alone
 * (the same rows in the same blocks as its micro-batch).
 */
final class FileStreams {
    private FileStreams() {
    }

    /**
     * {@code rows} as {@code files} single-file Parquet parts of equal length in {@code dir/input-name},
     * with modification times one minute apart so that a file stream reads them in order.
     */
    static Path write(SparkSession spark, Path dir, String name, List<Row> rows, StructType schema, int files)
            throws IOException {
        Path target = Files.createDirectories(dir.resolve("input-" + name));
        int per = rows.size() / files;
        long first = System.currentTimeMillis() - files * 60_000L;
        for (int f = 0; f < files; f++) {
            List<Row> part = rows.subList(f * per, f == files - 1 ? rows.size() : (f + 1) * per);
            Path staging = dir.resolve("staging-" + name + "-" + f);
            spark.createDataFrame(part, schema).coalesce(1).write().parquet(staging.toString());
            Path file = target.resolve(String.format("part-%02d.parquet", f));
            try (Stream<Path> written = Files.list(staging)) {
                Files.move(written.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst()
                        .orElseThrow(), file);
            }
            Files.setLastModifiedTime(file, FileTime.fromMillis(first + f * 60_000L));
        }
        return target;
    }

    /** A stream of the files in {@code input}, one file a micro-batch. */
    static Dataset<Row> read(SparkSession spark, Path input, StructType schema) {
        return spark.readStream().schema(schema).option("maxFilesPerTrigger", 1).parquet(input.toString());
    }

    /** The files in {@code input}, in the order they were written. */
    static List<Path> files(Path input) throws IOException {
        try (Stream<Path> files = Files.list(input)) {
            return files.sorted().toList();
        }
    }

    /** The batch transform of each file in {@code input} on its own, in file order. */
    static Dataset<Row> batchOfEachFile(SparkSession spark, Transformer model, Path input) throws IOException {
        Dataset<Row> all = null;
        for (Path file : files(input)) {
            Dataset<Row> scored = model.transform(spark.read().parquet(file.toString()));
            all = all == null ? scored : all.union(scored);
        }
        return all;
    }
}

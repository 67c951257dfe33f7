package io.kortexdl.spark;

import java.io.Serializable;
import org.apache.spark.Partition;
import org.apache.spark.rdd.PartitionCoalescer;
import org.apache.spark.rdd.PartitionGroup;
import org.apache.spark.rdd.RDD;

/**
 * Groups input partitions into blocks by index alone: block b takes a contiguous, equal-as-
 * possible range of partitions. Spark's default coalescer groups by where partitions are
 * cached, which can change between runs and make the same data train differently; this keeps
 * packing, and so the model, a function of the data and its partitioning only.
 */
final class ContiguousCoalescer implements PartitionCoalescer, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public PartitionGroup[] coalesce(int maxPartitions, RDD<?> parent) {
        Partition[] partitions = parent.partitions();
        int groups = Math.min(maxPartitions, partitions.length);
        PartitionGroup[] out = new PartitionGroup[groups];
        for (int g = 0; g < groups; g++) {
            out[g] = new PartitionGroup(scala.Option.empty());
            int from = (int) ((long) partitions.length * g / groups);
            int to = (int) ((long) partitions.length * (g + 1) / groups);
            for (int p = from; p < to; p++) {
                out[g].partitions().addOne(partitions[p]);
            }
        }
        return out;
    }
}

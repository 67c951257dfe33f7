package io.kortexdl.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes each training task hold all the cores of its executor, so Spark never runs two
 * training tasks on one executor: a stage-level task resource profile asking for
 * {@code coresPerExecutor} CPUs. Not needed (and not supported) in local mode, where the single
 * block is the only task, nor with one core per executor.
 */
final class ResourcePlacement {
    private static final Logger LOG = LoggerFactory.getLogger(ResourcePlacement.class);

    private final ResourceProfile profile;

    private ResourcePlacement(ResourceProfile profile) {
        this.profile = profile;
    }

    /** The placement for {@code shape}. */
    static ResourcePlacement forShape(ClusterShape shape) {
        if (shape.local() || shape.coresPerExecutor() <= 1) {
            return new ResourcePlacement(null);
        }
        ResourceProfile profile = new ResourceProfileBuilder()
                .require(new TaskResourceRequests().cpus(shape.coresPerExecutor())).build();
        return new ResourcePlacement(profile);
    }

    /** {@code rdd} with the profile attached when there is one and the cluster manager supports it. */
    <T> JavaRDD<T> apply(JavaRDD<T> rdd) {
        if (profile == null) {
            return rdd;
        }
        try {
            return rdd.withResources(profile);
        } catch (RuntimeException e) {
            LOG.warn("KortexDL: cannot reserve every core of an executor per training task ({}); set"
                    + " spark.task.cpus to spark.executor.cores to keep one training task per executor", e.getMessage());
            return rdd;
        }
    }
}

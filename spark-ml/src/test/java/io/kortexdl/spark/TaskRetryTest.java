package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskKilled;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training tasks that Spark kills and runs again leave the model bit for bit unchanged, with the
 * block on the heap and streamed from disk in windows (3,000 rows of 400 features: 5 chunks, in
 * windows of 3). The first attempt of every training task is killed through Spark's own
 * {@code killTaskAttempt} as it starts; the test counts the killed attempts and the later
 * attempts that succeeded, so it fails if no retry happened.
 */
class TaskRetryTest {
    @ParameterizedTest
    @ValueSource(strings = {"memory", "disk"})
    void retriedTrainingTasksGiveTheSameModel(String storage) {
        SparkSession spark = SparkTestSupport.session("local[2,2]");
        try {
            Dataset<Row> data = SyntheticData.blobs(spark, 3000, 400, 4, 3, 3).cache();
            KortexClassifier estimator = new KortexClassifier().setHiddenLayers(16).setMaxIter(3).setSeed(9)
                    .setBlockStorage(storage).setDiskWindowInMB(1);
            float[] undisturbed = estimator.fit(data).weights().parameters();

            FirstAttemptKiller killer = new FirstAttemptKiller(spark);
            spark.sparkContext().addSparkListener(killer);
            float[] retried;
            try {
                retried = estimator.fit(data).weights().parameters();
            } finally {
                spark.sparkContext().removeSparkListener(killer);
            }
            assertTrue(killer.killed.get() > 0, "no training task was killed");
            assertTrue(killer.retriedAndSucceeded.size() > 0, "no killed training task was retried to success");
            assertArrayEquals(undisturbed, retried, "retried tasks, on " + SparkTestSupport.blasKernel());
        } finally {
            spark.stop();
        }
    }

    /** Kills the first attempt of each training task (the stages of the "epoch" jobs) as it starts. */
    private static final class FirstAttemptKiller extends SparkListener {
        final AtomicInteger killed = new AtomicInteger();
        final Set<String> retriedAndSucceeded = ConcurrentHashMap.newKeySet();
        private final SparkSession spark;
        private final Set<Integer> trainingStages = ConcurrentHashMap.newKeySet();

        FirstAttemptKiller(SparkSession spark) {
            this.spark = spark;
        }

        @Override
        public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart jobStart) {
            String description = jobStart.properties().getProperty("spark.job.description", "");
            if (description.contains(": epoch ")) {
                jobStart.stageIds().foreach(id -> trainingStages.add((Integer) id));
            }
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart start) {
            if (trainingStages.contains(start.stageId()) && start.taskInfo().attemptNumber() == 0) {
                spark.sparkContext().killTaskAttempt(start.taskInfo().taskId(), true, "test: first attempt");
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (!trainingStages.contains(end.stageId())) {
                return;
            }
            if (end.reason() instanceof TaskKilled) {
                killed.incrementAndGet();
            } else if (end.taskInfo().successful() && end.taskInfo().attemptNumber() > 0) {
                retriedAndSucceeded.add(end.stageId() + "/" + end.taskInfo().index());
            }
        }
    }
}

package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.spark.executor.TrainingState;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint written by release 0.1.0, checked in: it loads through the store with every field
 * as written, and this release writes the same state to the same bytes, so checkpoints move both
 * ways between the releases.
 */
class CheckpointFixtureTest {
    private static final Path FIXTURE = Path.of("src/test/resources/fixtures/checkpoint-0.1.0");

    /** The state the fixture holds, as its writer built it. */
    private static Checkpoint expected() {
        float[] parameters = new float[(6 + 1) * 5 + (5 + 1) * 3];
        float[] state = new float[2 * parameters.length];
        float[] best = new float[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = (float) Math.sin(i);
            best[i] = (float) Math.cos(i);
        }
        for (int i = 0; i < state.length; i++) {
            state[i] = i * 1e-3f;
        }
        FitState fit = new FitState(new TrainingState(parameters, state, 57));
        fit.epochsDone = 3;
        fit.stopped = true;
        fit.stopReason = StopReason.EARLY_STOPPING;
        fit.bestEpoch = 1;
        fit.bestValidationLoss = 0.375;
        fit.best = best;
        fit.previousLoss = 0.5;
        fit.history.addAll(List.of(new EpochRecord(1, 10, 0.9, 0.375, 0.7, 1.5, 800),
                new EpochRecord(2, 10, 0.6, 0.4, 0.75, 1.25, 960), new EpochRecord(3, 10, 0.5, 0.45, 0.5, 1.0, 1200)));
        fit.rowsByExecutor.putAll(Map.of("0", 600L, "1", 582L));
        return new Checkpoint(new Checkpoint.Fingerprint(new int[] {6, 5, 3}, Activation.TANH, LossType.CROSS_ENTROPY,
                OptimizerKind.ADAM, 4L, 64, 2, 1182L, Checkpoint.Fingerprint.WHOLE_BLOCKS), fit);
    }

    @Test
    void aCheckpointOfTheFirstReleaseLoadsWithEveryField() throws Exception {
        CheckpointStore.Found found = CheckpointStore.read(new Configuration(), FIXTURE.toAbsolutePath().toString());
        assertTrue(found.path().endsWith("checkpoint-000003.kxck"), found.path());
        Checkpoint read = found.checkpoint();
        Checkpoint written = expected();
        assertNull(read.fingerprint().difference(written.fingerprint()), "the same fit");
        assertEquals(OptimizerKind.ADAM, read.fingerprint().optimizer());
        FitState s = read.state();
        FitState e = written.state();
        assertArrayEquals(e.training.parameters(), s.training.parameters());
        assertArrayEquals(e.training.optimizerState(), s.training.optimizerState());
        assertEquals(57, s.training.optimizerSteps());
        assertEquals(3, s.epochsDone);
        assertTrue(s.stopped);
        assertEquals(StopReason.EARLY_STOPPING, s.stopReason);
        assertEquals(1, s.bestEpoch);
        assertEquals(0.375, s.bestValidationLoss);
        assertArrayEquals(e.best, s.best);
        assertEquals(0.5, s.previousLoss);
        assertEquals(e.history, s.history);
        assertEquals(e.rowsByExecutor, s.rowsByExecutor);
    }

    @Test
    void aFitStreamingWindowsFromDiskWritesItsRowOrderAndRefusesAWholeBlockCheckpoint() throws Exception {
        Checkpoint whole = expected();
        Checkpoint.Fingerprint f = whole.fingerprint();
        String windowed = "blocks [0, 1] streamed in windows of 21 chunks of 1024 rows";
        Checkpoint streamed = new Checkpoint(new Checkpoint.Fingerprint(f.layerSizes(), f.activation(), f.loss(),
                f.optimizer(), f.seed(), f.batchSize(), f.blocks(), f.trainRows(), windowed), whole.state());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CheckpointFormat.write(streamed, out);
        byte[] bytes = out.toByteArray();
        assertEquals(2, java.nio.ByteBuffer.wrap(bytes, 4, 4).getInt(), "format version 2");
        Checkpoint read = CheckpointFormat.read(new java.io.ByteArrayInputStream(bytes), bytes.length, "streamed");
        assertEquals(windowed, read.fingerprint().rowOrder());
        assertArrayEquals(whole.state().training.parameters(), read.state().training.parameters());
        assertEquals("row order (blockStorage, diskWindowInMB, executor memory) every block shuffled whole"
                + " (this fit: " + windowed + ")", f.difference(read.fingerprint()));
    }

    @Test
    void thisReleaseWritesTheFixturesBytes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CheckpointFormat.write(expected(), out);
        assertArrayEquals(Files.readAllBytes(FIXTURE.resolve("checkpoint-000003.kxck")), out.toByteArray());
    }
}

package io.kortexdl.examples.jobs;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.JobSession;
import io.kortexdl.kernels.onnx.OnnxExport;
import io.kortexdl.kernels.onnx.OnnxInput;
import io.kortexdl.spark.KortexModel;
import io.kortexdl.spark.KortexOnnxWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.SparkSession;

/**
 * Exports a saved KortexDL model as an ONNX file ({@code ./kortex export-onnx MODEL_DIR OUT.onnx}):
 * a {@code KortexClassificationModel} or {@code KortexRegressionModel}, or the one KortexDL stage
 * of a saved {@code PipelineModel} (or the best model of a {@code CrossValidatorModel} or
 * {@code TrainValidationSplitModel}). Only the network is exported: stages before it (a
 * {@code HashingTF}, a scaler) must be applied by whoever builds the ONNX inputs, and the job says
 * which they are. The last line is machine-readable:
 * {@code RESULT job=export-onnx model=... output=... bytes=... input=dense|sparse}.
 *
 * <p>Options:
 * <pre>
 *   --model PATH      a saved Spark ML model (any Hadoop path)
 *   --output PATH     the ONNX file to write (any Hadoop path)
 *   --sparse          take the non-zeros of each row (indices and values) instead of dense features
 *   --overwrite       replace an existing output (otherwise the job refuses before loading the model)
 *   --master URL      default: spark-submit's master, else local[*]
 * </pre>
 */
public final class ExportOnnxJob {
    private ExportOnnxJob() {
    }

    /** Runs the job; exits with status 2 on a bad option and 1 on a bad path or a damaged model. */
    public static void main(String[] argv) throws Exception {
        JobSession.exitOnUserError(() -> run(argv));
    }

    private static void run(String[] argv) throws Exception {
        Args a = new Args(argv);
        String modelPath = a.required("--model");
        String output = a.required("--output");
        OnnxInput input = a.flag("--sparse") ? OnnxInput.SPARSE : OnnxInput.DENSE;
        boolean overwrite = a.flag("--overwrite");
        String master = a.value("--master", null);
        a.finish();
        SparkSession spark = JobSession.start("KortexDL ONNX export", master);
        try {
            JobSession.refuseExisting(spark, output, overwrite, "--output");
            List<String> before = new ArrayList<>();
            KortexModel model = kortexStage(SavedModels.load(spark, modelPath), modelPath, before);
            KortexOnnxWriter writer = model.onnxWriter().input(input);
            if (overwrite) {
                writer.overwrite();
            }
            writer.save(output);
            String written = JobSession.qualified(spark, output);
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(written);
            long bytes = file.getFileSystem(spark.sparkContext().hadoopConfiguration()).getFileStatus(file).getLen();
            System.out.println("ONNX model (opset " + OnnxExport.OPSET + ", IR " + OnnxExport.IR_VERSION + ") of "
                    + model.getClass().getSimpleName() + " " + model.weights() + " written to " + written);
            if (!before.isEmpty()) {
                System.out.println("The pipeline's stages before it are not in the file; apply them to build the"
                        + " inputs: " + String.join(", ", before));
            }
            System.out.println("RESULT job=export-onnx model=" + model.getClass().getSimpleName() + " output="
                    + written + " bytes=" + bytes + " input=" + input.name().toLowerCase(java.util.Locale.ROOT));
        } finally {
            spark.stop();
        }
    }

    /**
     * The KortexDL model in {@code loaded}, adding the names of the pipeline stages before it to
     * {@code before}.
     *
     * @throws IllegalArgumentException if it holds none, or several
     */
    private static KortexModel kortexStage(Transformer loaded, String path, List<String> before) {
        if (loaded instanceof KortexModel model) {
            return model;
        }
        if (loaded instanceof CrossValidatorModel cv) {
            return kortexStage(cv.bestModel(), path, before);
        }
        if (loaded instanceof TrainValidationSplitModel split) {
            return kortexStage(split.bestModel(), path, before);
        }
        if (loaded instanceof PipelineModel pipeline) {
            KortexModel found = null;
            List<String> preceding = new ArrayList<>();
            for (Transformer stage : pipeline.stages()) {
                if (stage instanceof KortexModel model) {
                    if (found != null) {
                        throw new IllegalArgumentException(path + " holds several KortexDL models; export them one"
                                + " at a time from Java with model.writeOnnx(path)");
                    }
                    found = model;
                    before.addAll(preceding);
                } else {
                    preceding.add(stage.getClass().getSimpleName());
                }
            }
            if (found != null) {
                return found;
            }
        }
        throw new IllegalArgumentException(path + " holds a " + loaded.getClass().getName() + " with no KortexDL"
                + " model (KortexClassificationModel or KortexRegressionModel) to export");
    }
}

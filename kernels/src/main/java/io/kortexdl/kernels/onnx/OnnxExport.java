package io.kortexdl.kernels.onnx;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.ParameterLayout;
import io.kortexdl.kernels.Release;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a {@link Network} as an ONNX model that ONNX Runtime, Triton, onnxruntime-web and other
 * ONNX runtimes run without KortexDL: {@code OnnxExport.of(network).head(OnnxHead.MULTICLASS)
 * .writeTo(out)}.
 *
 * <p><b>The graph.</b> Inputs as {@link OnnxInput} says (default {@link OnnxInput#DENSE}: float
 * {@code features [batch, inputSize]}), each layer a {@code Gemm} and its activation
 * ({@code Relu}, {@code Tanh}, {@code Sigmoid}), then the outputs {@link OnnxHead} describes
 * (default {@link OnnxHead#OUTPUTS}). All standard operators of opset {@value #OPSET} in IR
 * version {@value #IR_VERSION}, which ONNX Runtime reads from release 1.6 on. The parameters are
 * copied from the network when a write starts, so training may go on meanwhile.
 *
 * <p><b>Numbers.</b> A runtime computes in float32 as the network does, but may add a GEMM's
 * terms in another order and approximate {@code tanh}, {@code exp} and the logistic function
 * differently, so its outputs agree with {@code Network.forward} within float rounding, not bit
 * for bit (the tests hold them to a stated bound). Predictions agree except where two classes'
 * scores are that close.
 *
 * <p><b>Metadata.</b> The model records {@code kortexdl.version}, {@code kortexdl.layers},
 * the activations, head and input, {@code numFeatures}, {@code numClasses} (classifier heads)
 * and {@code kortexdl.thresholds}, plus every {@link #metadata} entry.
 *
 * <p><b>Size.</b> ONNX stores a model as one protocol-buffers message, at most 2 GiB, so a
 * network of more than about 536 million parameters cannot be written.
 */
public final class OnnxExport {
    /** The ONNX operator set the graphs use. */
    public static final int OPSET = 13;
    /** The ONNX IR version written; the one that goes with opset {@value #OPSET}. */
    public static final int IR_VERSION = 7;
    private static final long MAX_MESSAGE_BYTES = Integer.MAX_VALUE;

    // ModelProto, OperatorSetIdProto, StringStringEntryProto
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_PRODUCER_NAME = 2;
    private static final int MODEL_PRODUCER_VERSION = 3;
    private static final int MODEL_DOMAIN = 4;
    private static final int MODEL_VERSION = 5;
    private static final int MODEL_DOC = 6;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int MODEL_METADATA = 14;
    private static final int OPSET_VERSION = 2;
    private static final int ENTRY_KEY = 1;
    private static final int ENTRY_VALUE = 2;

    private final Network network;
    private OnnxHead head = OnnxHead.OUTPUTS;
    private OnnxInput input = OnnxInput.DENSE;
    private double[] thresholds;
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private OnnxExport(Network network) {
        this.network = network;
    }

    /**
     * An export of {@code network} with the default head and input.
     *
     * @throws IllegalArgumentException if {@code network} is null
     */
    public static OnnxExport of(Network network) {
        if (network == null) {
            throw new IllegalArgumentException("network: expected a value, got null");
        }
        return new OnnxExport(network);
    }

    /** The outputs to produce (default {@link OnnxHead#OUTPUTS}); returns this export. */
    public OnnxExport head(OnnxHead outputs) {
        this.head = require("head", outputs);
        return this;
    }

    /** How rows come in (default {@link OnnxInput#DENSE}); returns this export. */
    public OnnxExport input(OnnxInput rows) {
        this.input = require("input", rows);
        return this;
    }

    /**
     * Per-class thresholds for the {@code prediction} of a classifier head, as Spark's
     * {@code thresholds} param: the predicted class is the largest {@code probability / threshold};
     * one per class ({@link OnnxHead#MULTICLASS}) or two ({@link OnnxHead#BINARY}). Null (the
     * default) predicts the most probable class. Returns this export.
     *
     * @throws IllegalArgumentException unless every value is finite and {@code >= 0} with at most one 0
     */
    public OnnxExport thresholds(double... values) {
        if (values != null) {
            long zeros = Arrays.stream(values).filter(t -> t == 0).count();
            if (Arrays.stream(values).anyMatch(t -> !(t >= 0) || Double.isInfinite(t)) || zeros > 1) {
                throw new IllegalArgumentException("thresholds: expected finite values >= 0 with at most one 0, got "
                        + Arrays.toString(values));
            }
        }
        this.thresholds = values == null ? null : values.clone();
        return this;
    }

    /**
     * Adds an entry to the model's {@code metadata_props} (replacing one of the same key); returns
     * this export.
     */
    public OnnxExport metadata(String key, String value) {
        metadata.put(require("key", key), require("value", value));
        return this;
    }

    /**
     * Writes the model to {@code out}, buffered; flushes it and leaves it open.
     *
     * @throws IllegalArgumentException if the head does not fit the network (see {@link OnnxHead}),
     *     the thresholds do not fit the head, or the model would exceed 2 GiB; nothing is written then
     * @throws IOException if writing to {@code out} fails
     */
    public void writeTo(OutputStream out) throws IOException {
        ProtoMessage model = model();
        BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 16);
        model.writeTo(buffered);
        buffered.flush();
    }

    /**
     * The model as bytes, for {@code OrtEnvironment.createSession(byte[])} and the like.
     *
     * @throws IllegalArgumentException as {@link #writeTo} does
     */
    public byte[] toBytes() {
        ProtoMessage model = model();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) model.size());
        try {
            model.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Writes the model to the file {@code path}: to a temporary file beside it first, moved into
     * place when complete, so a reader never sees half a model and a failed write leaves the path
     * as it was.
     *
     * @param overwrite whether an existing file at {@code path} is replaced
     * @throws FileAlreadyExistsException if {@code path} exists and {@code overwrite} is false
     * @throws IllegalArgumentException as {@link #writeTo} does
     * @throws IOException if the directory is missing or not writable
     */
    public void save(Path path, boolean overwrite) throws IOException {
        require("path", path);
        ProtoMessage model = model();
        if (!overwrite && Files.exists(path)) {
            throw new FileAlreadyExistsException(path.toString(), null, "exists; pass overwrite = true to replace it");
        }
        Path absolute = path.toAbsolutePath();
        Path temporary = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".partial");
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                model.writeTo(new BufferedOutputStream(out, 1 << 16));
            }
            if (overwrite) {
                Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.move(temporary, absolute);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private ProtoMessage model() {
        ParameterLayout layout = network.layout();
        checkHead(layout.outputSize(), network.outputActivation());
        ProtoMessage graph = NetworkGraph.build(network.getParameters(), layout, network.hiddenActivation(),
                network.outputActivation(), head, input, thresholds, description(layout)).toMessage();
        ProtoMessage model = new ProtoMessage()
                .varint(MODEL_IR_VERSION, IR_VERSION)
                .message(MODEL_OPSET_IMPORT, new ProtoMessage().varint(OPSET_VERSION, OPSET))
                .string(MODEL_PRODUCER_NAME, "KortexDL")
                .string(MODEL_PRODUCER_VERSION, Release.version())
                .string(MODEL_DOMAIN, "io.kortexdl")
                .varint(MODEL_VERSION, 1)
                .string(MODEL_DOC, description(layout))
                .message(MODEL_GRAPH, graph);
        for (Map.Entry<String, String> e : allMetadata(layout).entrySet()) {
            model.message(MODEL_METADATA, new ProtoMessage().string(ENTRY_KEY, e.getKey())
                    .string(ENTRY_VALUE, e.getValue()));
        }
        if (model.size() > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("network: its ONNX model would take " + model.size() + " bytes, but ONNX"
                    + " models are single protocol-buffers messages of at most 2 GiB (" + layout.parameterCount()
                    + " parameters)");
        }
        return model;
    }

    private void checkHead(int outputs, Activation outputActivation) {
        boolean classifier = head == OnnxHead.MULTICLASS || head == OnnxHead.BINARY;
        if (classifier && outputActivation != Activation.IDENTITY) {
            throw new IllegalArgumentException("head: " + head + " takes logits, so the network's output activation"
                    + " must be IDENTITY, got " + outputActivation + "; export it with OnnxHead.OUTPUTS instead");
        }
        int expected = switch (head) {
            case OUTPUTS -> outputs;
            case MULTICLASS -> Math.max(outputs, 2);
            case BINARY, REGRESSION -> 1;
        };
        if (outputs != expected) {
            throw new IllegalArgumentException("head: " + head + " needs " + (head == OnnxHead.MULTICLASS
                    ? "at least 2 outputs" : "exactly 1 output") + ", but the network has " + outputs);
        }
        if (thresholds != null) {
            int classes = head == OnnxHead.BINARY ? 2 : outputs;
            if (!classifier || thresholds.length != classes) {
                throw new IllegalArgumentException("thresholds: " + (classifier ? "expected " + classes
                        + " values, one per class, got " + thresholds.length : "only classifier heads take"
                        + " thresholds, but the head is " + head));
            }
        }
    }

    private Map<String, String> allMetadata(ParameterLayout layout) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("kortexdl.version", Release.version());
        all.put("kortexdl.layers", Arrays.stream(layout.sizes()).mapToObj(Integer::toString)
                .collect(Collectors.joining(",")));
        all.put("kortexdl.hiddenActivation", network.hiddenActivation().name());
        all.put("kortexdl.outputActivation", network.outputActivation().name());
        all.put("kortexdl.head", head.name());
        all.put("kortexdl.input", input.name());
        all.put("numFeatures", Integer.toString(layout.inputSize()));
        if (head == OnnxHead.MULTICLASS || head == OnnxHead.BINARY) {
            all.put("numClasses", Integer.toString(head == OnnxHead.BINARY ? 2 : layout.outputSize()));
        }
        if (thresholds != null) {
            all.put("kortexdl.thresholds", Arrays.toString(thresholds));
        }
        all.putAll(metadata);
        return all;
    }

    private String description(ParameterLayout layout) {
        return "KortexDL multilayer perceptron " + Arrays.toString(layout.sizes()) + ", "
                + network.hiddenActivation().name().toLowerCase(Locale.ROOT) + " hidden layers, "
                + head.name().toLowerCase(Locale.ROOT)
                + " outputs, " + input.name().toLowerCase(Locale.ROOT) + " input";
    }

    private static <T> T require(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + ": expected a value, got null");
        }
        return value;
    }
}

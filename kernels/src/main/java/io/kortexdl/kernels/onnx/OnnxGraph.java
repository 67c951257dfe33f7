package io.kortexdl.kernels.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * An ONNX {@code GraphProto} under construction: nodes in execution order, constant tensors
 * (initializers), and the typed inputs and outputs. It knows the field numbers of {@code onnx.proto}
 * for the messages it writes (graph, node, attribute, tensor, value info, type, shape) and nothing
 * about networks; {@link NetworkGraph} decides what goes in.
 */
final class OnnxGraph {
    /** Element types of ONNX tensors ({@code TensorProto.DataType}) that the exported graphs use. */
    enum ElementType {
        FLOAT(1), INT64(7), DOUBLE(11);

        final int code;

        ElementType(int code) {
            this.code = code;
        }
    }

    /** An integer attribute of a node, such as Gemm's {@code transB} or ArgMax's {@code axis}. */
    record IntAttribute(String name, long value) {
    }

    /** One dimension of a graph input or output: a fixed size, or a symbolic name such as the batch. */
    record Dimension(long size, String symbol) {
        static Dimension of(long size) {
            return new Dimension(size, null);
        }

        static Dimension named(String symbol) {
            return new Dimension(-1, symbol);
        }
    }

    // GraphProto
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_NAME = 2;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_DOC = 10;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    // NodeProto
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    // AttributeProto and its AttributeType
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_INT = 3;
    private static final int ATTRIBUTE_TYPE = 20;
    private static final int ATTRIBUTE_TYPE_INT = 2;
    // TensorProto
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_INT64_DATA = 7;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    private static final int VALUE_NAME = 1;
    private static final int VALUE_TYPE = 2;
    private static final int VALUE_DOC = 3;
    private static final int TYPE_TENSOR = 1;
    private static final int TENSOR_TYPE_ELEMENT = 1;
    private static final int TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    private static final int DIM_PARAM = 2;

    private final ProtoMessage graph = new ProtoMessage();
    private final List<ProtoMessage> inputs = new ArrayList<>();
    private final List<ProtoMessage> outputs = new ArrayList<>();
    private final List<ProtoMessage> initializers = new ArrayList<>();
    private final List<ProtoMessage> nodes = new ArrayList<>();

    OnnxGraph(String name, String doc) {
        graph.string(GRAPH_NAME, name).string(GRAPH_DOC, doc);
    }

    /** Declares a graph input. */
    void input(String name, ElementType type, String doc, Dimension... shape) {
        inputs.add(valueInfo(name, type, doc, shape));
    }

    /** Declares a graph output; some node must produce {@code name}. */
    void output(String name, ElementType type, String doc, Dimension... shape) {
        outputs.add(valueInfo(name, type, doc, shape));
    }

    /** A float32 constant: {@code values[from, from + product(dims))}, read when the graph is written. */
    void floatConstant(String name, float[] values, int from, long... dims) {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        initializers.add(tensorHeader(name, ElementType.FLOAT, dims)
                .floatBytes(TENSOR_RAW_DATA, values, from, Math.toIntExact(count)));
    }

    /** An int64 constant. */
    void int64Constant(String name, long[] values, long... dims) {
        initializers.add(tensorHeader(name, ElementType.INT64, dims).packedInt64(TENSOR_INT64_DATA, values));
    }

    /** A float64 constant. */
    void doubleConstant(String name, double[] values, long... dims) {
        ProtoMessage tensor = tensorHeader(name, ElementType.DOUBLE, dims);
        ByteBuffer little = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            little.putDouble(v);
        }
        initializers.add(tensor.bytes(TENSOR_RAW_DATA, little.array()));
    }

    /**
     * Appends a node running {@code op} (a standard operator of the default domain) on
     * {@code inputs} into the single output {@code output}.
     *
     * @return {@code output}, to feed the next node
     */
    String node(String op, List<String> inputs, String output, IntAttribute... attributes) {
        ProtoMessage node = new ProtoMessage();
        for (String in : inputs) {
            node.string(NODE_INPUT, in);
        }
        node.string(NODE_OUTPUT, output).string(NODE_NAME, output).string(NODE_OP_TYPE, op);
        for (IntAttribute a : attributes) {
            node.message(NODE_ATTRIBUTE, new ProtoMessage().string(ATTRIBUTE_NAME, a.name())
                    .varint(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INT).varint(ATTRIBUTE_INT, a.value()));
        }
        nodes.add(node);
        return output;
    }

    /** The finished {@code GraphProto}. */
    ProtoMessage toMessage() {
        for (ProtoMessage n : nodes) {
            graph.message(GRAPH_NODE, n);
        }
        for (ProtoMessage t : initializers) {
            graph.message(GRAPH_INITIALIZER, t);
        }
        for (ProtoMessage i : inputs) {
            graph.message(GRAPH_INPUT, i);
        }
        for (ProtoMessage o : outputs) {
            graph.message(GRAPH_OUTPUT, o);
        }
        return graph;
    }

    private static ProtoMessage tensorHeader(String name, ElementType type, long... dims) {
        return new ProtoMessage().packedInt64(TENSOR_DIMS, dims).varint(TENSOR_DATA_TYPE, type.code)
                .string(TENSOR_NAME, name);
    }

    private static ProtoMessage valueInfo(String name, ElementType type, String doc, Dimension... shape) {
        ProtoMessage dims = new ProtoMessage();
        for (Dimension d : shape) {
            dims.message(SHAPE_DIM, d.symbol() != null ? new ProtoMessage().string(DIM_PARAM, d.symbol())
                    : new ProtoMessage().varint(DIM_VALUE, d.size()));
        }
        ProtoMessage tensorType = new ProtoMessage().varint(TENSOR_TYPE_ELEMENT, type.code)
                .message(TENSOR_TYPE_SHAPE, dims);
        return new ProtoMessage().string(VALUE_NAME, name)
                .message(VALUE_TYPE, new ProtoMessage().message(TYPE_TENSOR, tensorType))
                .string(VALUE_DOC, doc);
    }
}

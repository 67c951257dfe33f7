/**
 * ONNX export of a {@link io.kortexdl.kernels.Network}, so that ONNX Runtime and other ONNX
 * runtimes serve it without KortexDL: {@link io.kortexdl.kernels.onnx.OnnxExport} (the options and
 * the writing), {@link io.kortexdl.kernels.onnx.OnnxHead} (what comes out: the network's outputs,
 * Spark's classifier columns, a binary logistic layout, a regression value) and
 * {@link io.kortexdl.kernels.onnx.OnnxInput} (dense rows, or the non-zeros of sparse ones).
 *
 * <p>{@code NetworkGraph} lays the layers and the head out as standard operators of opset 13;
 * {@code OnnxGraph} turns them into ONNX's graph messages, and {@code ProtoMessage} encodes those in
 * the protocol-buffers wire format, streaming the parameters out without a copy. No protobuf
 * library is used, so none reaches a user's classpath.
 */
package io.kortexdl.kernels.onnx;

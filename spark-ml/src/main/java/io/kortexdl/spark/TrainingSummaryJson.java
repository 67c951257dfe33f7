package io.kortexdl.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link KortexTrainingSummary} as one JSON document and back. The document is how the summary
 * leaves the JVM: Python reads it (Spark Connect lets a client call only {@code toString} on a
 * summary), and a Connect server writes it when it moves a model out of memory. Non-finite
 * figures (NaN without a validation set) are written as the strings {@code "NaN"},
 * {@code "Infinity"} and {@code "-Infinity"}, which Python's {@code float()} reads.
 */
final class TrainingSummaryJson {
    /** Bumped when a field changes meaning; readers refuse versions they do not know. */
    static final int FORMAT = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TrainingSummaryJson() {
    }

    static String write(KortexTrainingSummary summary) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        ArrayNode epochs = root.putArray("epochs");
        for (EpochRecord record : summary.epochs()) {
            ObjectNode epoch = epochs.addObject();
            epoch.put("epoch", record.epoch());
            epoch.put("maxIter", record.maxIter());
            putDouble(epoch, "loss", record.loss());
            putDouble(epoch, "validationLoss", record.validationLoss());
            putDouble(epoch, "validationMetric", record.validationMetric());
            putDouble(epoch, "seconds", record.seconds());
            putDouble(epoch, "samplesPerSecond", record.samplesPerSecond());
        }
        root.put("stopReason", summary.stopReason());
        root.put("bestEpoch", summary.bestEpoch());
        root.put("executors", summary.executors());
        root.put("threadsPerExecutor", summary.threadsPerExecutor());
        ObjectNode rows = root.putObject("rowsByExecutor");
        summary.rowsByExecutor().forEach(rows::put);
        root.put("batchSize", summary.batchSize());
        root.put("syncs", summary.syncs());
        putDouble(root, "syncSeconds", summary.syncSeconds());
        root.put("syncBytes", summary.syncBytes());
        root.put("sparseFeatures", summary.sparseFeatures());
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the training summary as JSON", e);
        }
    }

    /**
     * @throws IllegalArgumentException if {@code json} is not a summary document of a known format
     */
    static KortexTrainingSummary read(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a training summary document: " + e.getOriginalMessage(), e);
        }
        int format = required(root, "format").asInt();
        if (format != FORMAT) {
            throw new IllegalArgumentException("training summary format " + format + " is not known to this"
                    + " version of KortexDL (it reads format " + FORMAT + ")");
        }
        List<EpochRecord> epochs = new ArrayList<>();
        for (JsonNode epoch : required(root, "epochs")) {
            epochs.add(new EpochRecord(required(epoch, "epoch").asInt(), required(epoch, "maxIter").asInt(),
                    readDouble(epoch, "loss"), readDouble(epoch, "validationLoss"),
                    readDouble(epoch, "validationMetric"), readDouble(epoch, "seconds"),
                    readDouble(epoch, "samplesPerSecond")));
        }
        String stopName = required(root, "stopReason").asText();
        StopReason stopReason = StopReason.ofParamName(stopName);
        if (stopReason == null) {
            throw new IllegalArgumentException("training summary: unknown stopReason \"" + stopName + "\"");
        }
        Map<String, Long> rows = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = required(root, "rowsByExecutor").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            rows.put(entry.getKey(), entry.getValue().asLong());
        }
        return new KortexTrainingSummary(epochs, stopReason, required(root, "bestEpoch").asInt(),
                required(root, "executors").asInt(), required(root, "threadsPerExecutor").asInt(), rows,
                required(root, "batchSize").asInt(), required(root, "syncs").asLong(), readDouble(root, "syncSeconds"),
                required(root, "syncBytes").asLong(), required(root, "sparseFeatures").asBoolean());
    }

    private static void putDouble(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.put(field, Double.toString(value));
        }
    }

    private static double readDouble(JsonNode node, String field) {
        JsonNode value = required(node, field);
        return value.isTextual() ? Double.parseDouble(value.asText()) : value.asDouble();
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("training summary document lacks \"" + field + "\"");
        }
        return value;
    }
}

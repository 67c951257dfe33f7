package io.kortexdl.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * A param holding {@link NetworkWeights}, saved with the stage's metadata as the base64 of the
 * kernels' checksummed network format.
 */
public final class NetworkWeightsParam extends Param<NetworkWeights> {
    private static final long serialVersionUID = 1L;

    /** A param of {@code parent} named {@code name}. */
    public NetworkWeightsParam(Params parent, String name, String doc) {
        super(parent, name, doc);
    }

    @Override
    public String jsonEncode(NetworkWeights value) {
        return "\"" + Base64.getEncoder().encodeToString(value.toBytes()) + "\"";
    }

    /**
     * @throws IllegalArgumentException if {@code json} is not a quoted base64 string of an intact network file
     */
    @Override
    public NetworkWeights jsonDecode(String json) {
        String text = json.trim();
        if (text.length() < 2 || text.charAt(0) != '"' || text.charAt(text.length() - 1) != '"') {
            throw new IllegalArgumentException(name() + ": expected a quoted base64 string, got "
                    + (text.length() > 40 ? text.substring(0, 40) + "..." : text));
        }
        try {
            return NetworkWeights.fromBytes(Base64.getDecoder().decode(text.substring(1, text.length() - 1)));
        } catch (IOException e) {
            throw new IllegalArgumentException(name() + ": the saved network is damaged: " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(name() + ": " + e.getMessage(), e);
        }
    }
}

package io.kortexdl.spark;

/**
 * Why a fit ended, named after the param whose rule ended it: summaries report that name and
 * checkpoints store it.
 */
enum StopReason {
    /** Every epoch of {@code maxIter} ran. */
    MAX_ITER("maxIter"),
    /** The training loss improved by less than {@code tol}. */
    TOL("tol"),
    /** The validation loss did not improve for {@code earlyStoppingPatience} epochs. */
    EARLY_STOPPING("earlyStopping");

    private final String paramName;

    StopReason(String paramName) {
        this.paramName = paramName;
    }

    /** The param's name: {@code "maxIter"}, {@code "tol"} or {@code "earlyStopping"}. */
    String paramName() {
        return paramName;
    }

    /** The reason named {@code paramName}, or null when none is. */
    static StopReason ofParamName(String paramName) {
        for (StopReason reason : values()) {
            if (reason.paramName.equals(paramName)) {
                return reason;
            }
        }
        return null;
    }
}

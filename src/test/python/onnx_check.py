"""Checks exported KortexDL ONNX models in Python, as a serving client would load them.

For each model listed in the manifest: ``onnx.checker.check_model`` (full check, shape inference
included) accepts the file, ONNX Runtime for Python runs it on the rows the Java side wrote, and
its outputs are compared with the same rows' outputs from ONNX Runtime for Java and from the Spark
model's ``transform``. Prints one ``RESULT`` line per model and exits with status 1 on the first
model that fails.

Usage: python onnx_check.py MANIFEST.json

The manifest (written by OnnxExportCommandTest) lists, per model, the ONNX file, its inputs and
the expected outputs as raw little-endian files (float32 ``.f32``, int64 ``.i64``), with shapes,
the relative bound of the float outputs, and how many predictions may differ from each reference
(near ties, where float rounding may pick either class; 0 when not given).
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime

DTYPES = {"f32": np.dtype("<f4"), "i64": np.dtype("<i8"), "f64": np.dtype("<f8")}


def read_array(base, entry):
    """Reads the raw file an entry names, shaped as it says."""
    kind = entry["file"].rsplit(".", 1)[1]
    values = np.fromfile(os.path.join(base, entry["file"]), dtype=DTYPES[kind])
    return values.reshape(entry["shape"])


def largest_relative_difference(expected, actual):
    """max |expected - actual| / max(1, |expected|): the measure of the Java tests' bound."""
    expected = expected.astype(np.float64)
    actual = actual.astype(np.float64)
    return float(np.max(np.abs(expected - actual) / np.maximum(1.0, np.abs(expected))))


def check(base, name, spec, bound):
    """Checks one model; returns its RESULT line, or raises AssertionError."""
    path = os.path.join(base, spec["onnx"])
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    inputs = {key: read_array(base, entry) for key, entry in spec["inputs"].items()}
    names = [output.name for output in session.get_outputs()]
    outputs = dict(zip(names, session.run(names, inputs)))
    fields = [f"check=onnx model={name}", "checker=ok",
              f"opset={model.opset_import[0].version}", f"ir={model.ir_version}"]
    for reference in ("java_onnxruntime", "transform"):
        worst = 0.0
        for output, entry in spec[reference].items():
            expected = read_array(base, entry)
            actual = outputs[output]
            if actual.shape != expected.shape:
                raise AssertionError(f"{name}: {output} has shape {actual.shape}, {reference} {expected.shape}")
            if output == "prediction" and actual.dtype == np.int64:
                differ = int(np.sum(actual != expected))
                allowed = spec.get("allowed_prediction_differences", {}).get(reference, 0)
                if differ > allowed:
                    raise AssertionError(f"{name}: {differ} predictions differ from {reference}'s")
                fields.append(f"{reference}_predictions_differing={differ}")
            else:
                difference = largest_relative_difference(expected, actual)
                if not difference <= bound:
                    raise AssertionError(f"{name}: {output} differs from {reference}'s by {difference:.3e}"
                                         f" relative, above {bound:.0e}")
                worst = max(worst, difference)
        fields.append(f"{reference}_largest_relative_difference={worst:.3e}")
    return "RESULT " + " ".join(fields)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as manifest_file:
        manifest = json.load(manifest_file)
    base = os.path.dirname(os.path.abspath(argv[1]))
    print(f"onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}, numpy {np.__version__}")
    for name, spec in manifest["models"].items():
        try:
            print(check(base, name, spec, manifest["bound"]))
        except (AssertionError, onnx.checker.ValidationError) as failure:
            print(f"FAILED {name}: {failure}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

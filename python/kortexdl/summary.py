"""The training summary of a KortexDL model, read the same way in classic PySpark and over Spark Connect."""

import json
from typing import Any, Dict, List, NamedTuple

from pyspark.ml.wrapper import JavaWrapper


class EpochRecord(NamedTuple):
    """What one training epoch did.

    ``loss`` is the mean training loss (cross-entropy; mean squared error in the label's units for
    a regressor), ``validationLoss`` and ``validationMetric`` (accuracy, or RMSE for a regressor)
    are NaN without a validation set, ``seconds`` is wall-clock time, validation included.
    """

    epoch: int
    maxIter: int
    loss: float
    validationLoss: float
    validationMetric: float
    seconds: float
    samplesPerSecond: float


class KortexTrainingSummary(JavaWrapper):
    """The per-epoch history of the fit that made a model: ``model.summary``.

    Every figure comes from one JSON document the JVM writes (the summary's ``toString``, the one
    call Spark Connect allows on it), read once and kept.
    """

    @property
    def _document(self) -> Dict[str, Any]:
        cached = self.__dict__.get("_parsed")
        if cached is None:
            cached = json.loads(self._call_java("toString"))
            self.__dict__["_parsed"] = cached
        return cached

    @property
    def epochs(self) -> List[EpochRecord]:
        """One record per epoch run, in order."""
        return [EpochRecord(e["epoch"], e["maxIter"], *(float(e[k]) for k in (
            "loss", "validationLoss", "validationMetric", "seconds", "samplesPerSecond")))
            for e in self._document["epochs"]]

    @property
    def totalIterations(self) -> int:
        """Number of epochs run."""
        return len(self._document["epochs"])

    @property
    def lossHistory(self) -> List[float]:
        """Training loss of each epoch."""
        return [e.loss for e in self.epochs]

    @property
    def objectiveHistory(self) -> List[float]:
        """Training loss of each epoch (the name MLlib's summaries use)."""
        return self.lossHistory

    @property
    def validationMetricHistory(self) -> List[float]:
        """Validation accuracy (classifier) or RMSE (regressor) of each epoch; NaN without a validation set."""
        return [e.validationMetric for e in self.epochs]

    @property
    def secondsHistory(self) -> List[float]:
        """Wall-clock seconds of each epoch."""
        return [e.seconds for e in self.epochs]

    @property
    def stopReason(self) -> str:
        """Why training ended: ``"maxIter"``, ``"tol"`` or ``"earlyStopping"``."""
        return self._document["stopReason"]

    @property
    def bestEpoch(self) -> int:
        """The 1-based epoch whose weights the model holds."""
        return self._document["bestEpoch"]

    @property
    def executors(self) -> int:
        """Training blocks, one per executor."""
        return self._document["executors"]

    @property
    def threadsPerExecutor(self) -> int:
        """Trainer threads per executor."""
        return self._document["threadsPerExecutor"]

    @property
    def rowsByExecutor(self) -> Dict[str, int]:
        """Training rows each executor processed over the fit, by executor id (``"driver"`` in local mode)."""
        return dict(self._document["rowsByExecutor"])

    @property
    def batchSize(self) -> int:
        """Rows per global mini-batch the fit used."""
        return self._document["batchSize"]

    @property
    def syncs(self) -> int:
        """Syncs between executors over the fit (0 with one executor)."""
        return self._document["syncs"]

    @property
    def millisPerSync(self) -> float:
        """Mean wall-clock milliseconds of one sync; NaN without syncs."""
        syncs = self.syncs
        return float(self._document["syncSeconds"]) * 1e3 / syncs if syncs else float("nan")

    @property
    def bytesPerSync(self) -> float:
        """Mean bytes one executor sent per sync; NaN without syncs."""
        syncs = self.syncs
        return self._document["syncBytes"] / syncs if syncs else float("nan")

    @property
    def sparseFeatures(self) -> bool:
        """Whether the fit trained the first layer on sparse rows."""
        return self._document["sparseFeatures"]

    def toJson(self) -> str:
        """The summary's JSON document, as the JVM wrote it."""
        return json.dumps(self._document)

    def __repr__(self) -> str:
        return "KortexTrainingSummary(%d epochs, stopped by %s, best epoch %d)" % (
            self.totalIterations, self.stopReason, self.bestEpoch)

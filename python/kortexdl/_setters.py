"""Setters of the KortexDL params, for the estimators (PySpark's convention: models take column setters only)."""

from typing import Any, List

from kortexdl._params import _KortexParams


class _KortexSetters(_KortexParams):
    """``setX(value)`` for every KortexDL param; each returns the stage."""

    def setHiddenLayers(self, value: List[int]) -> Any:
        """Sets the sizes of the hidden layers, each > 0."""
        return self._set(hiddenLayers=value)

    def setActivation(self, value: str) -> Any:
        """Sets the hidden-layer activation: relu, tanh or sigmoid."""
        return self._set(activation=value)

    def setOptimizer(self, value: str) -> Any:
        """Sets the update rule: adam, sgd or momentum."""
        return self._set(optimizer=value)

    def setStepSize(self, value: float) -> Any:
        """Sets the learning rate of the first epoch."""
        return self._set(stepSize=value)

    def setStepSizeSchedule(self, value: str) -> Any:
        """Sets how the learning rate changes over the epochs: cosine or constant."""
        return self._set(stepSizeSchedule=value)

    def setBatchSize(self, value: int) -> Any:
        """Sets the rows per global mini-batch (0: chosen from the training rows)."""
        return self._set(batchSize=value)

    def setMaxIter(self, value: int) -> Any:
        """Sets the number of epochs."""
        return self._set(maxIter=value)

    def setTol(self, value: float) -> Any:
        """Sets the loss-improvement threshold that stops training (0: never)."""
        return self._set(tol=value)

    def setSeed(self, value: int) -> Any:
        """Sets the random seed."""
        return self._set(seed=value)

    def setRegParam(self, value: float) -> Any:
        """Sets the L2 regularisation."""
        return self._set(regParam=value)

    def setNumThreads(self, value: int) -> Any:
        """Sets the training threads per executor (0: the executor's cores)."""
        return self._set(numThreads=value)

    def setSyncInterval(self, value: int) -> Any:
        """Sets the local steps between parameter averaging (1: exact synchronous SGD)."""
        return self._set(syncInterval=value)

    def setWeightCol(self, value: str) -> Any:
        """Sets the column of non-negative row weights."""
        return self._set(weightCol=value)

    def setValidationIndicatorCol(self, value: str) -> Any:
        """Sets the boolean column of validation rows."""
        return self._set(validationIndicatorCol=value)

    def setEarlyStoppingPatience(self, value: int) -> Any:
        """Sets the epochs without a better validation loss before training stops."""
        return self._set(earlyStoppingPatience=value)

    def setInitialModel(self, value: Any) -> Any:
        """Sets a fitted KortexDL model whose weights the fit starts from (classic PySpark only)."""
        return self._set(initialModel=value)

    def setCheckpointDir(self, value: str) -> Any:
        """Sets the directory (any Hadoop path) of the fit's checkpoints."""
        return self._set(checkpointDir=value)

    def setCheckpointInterval(self, value: int) -> Any:
        """Sets the epochs between checkpoints."""
        return self._set(checkpointInterval=value)

    def setKeepCheckpoints(self, value: int) -> Any:
        """Sets how many of the newest checkpoints are kept."""
        return self._set(keepCheckpoints=value)

    def setResumeFrom(self, value: str) -> Any:
        """Sets the checkpoint file or directory a fit continues from."""
        return self._set(resumeFrom=value)

    def setBlockStorage(self, value: str) -> Any:
        """Sets where each executor keeps its packed training rows: auto, memory or disk."""
        return self._set(blockStorage=value)

    def setDiskWindowInMB(self, value: int) -> Any:
        """Sets the MiB of packed rows in each window a block on local disk is streamed and shuffled in."""
        return self._set(diskWindowInMB=value)

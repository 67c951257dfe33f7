"""What every KortexDL estimator and model wrapper does beyond PySpark's Java wrappers."""

from typing import Any

from pyspark.ml.util import HasTrainingSummary, JavaMLReadable, MLReader
from pyspark.sql import DataFrame
from pyspark.sql.utils import is_remote

from kortexdl import _jar
from kortexdl.summary import KortexTrainingSummary


class _KortexReadable(JavaMLReadable):
    """PySpark's reader of a stage, telling a Spark Connect server without our jar apart from other errors."""

    @classmethod
    def read(cls) -> MLReader:
        reader = super().read()
        return _ServerCheckedReader(reader, "%s.%s" % (cls.__module__, cls.__name__)) if is_remote() else reader


class _ServerCheckedReader(MLReader):
    def __init__(self, reader: MLReader, java_class: str):
        super().__init__()
        self._reader = reader
        self._java_class = java_class

    def load(self, path: str) -> Any:
        try:
            return self._reader.load(path)
        except Exception as error:
            if _names_unknown_stage(error, self._java_class):
                raise _jar.missing_on_server(error) from None
            raise


class _KortexEstimator(_KortexReadable):
    """Creates the JVM stage (classic) or names it (Spark Connect), with clear errors when our jar is missing."""

    _java_class: str

    def _new_kortex_java_obj(self) -> Any:
        if not is_remote():
            _jar.check_jvm(self._java_class)
        return self._new_java_obj(self._java_class, self.uid)  # type: ignore[attr-defined]

    def _fit(self, dataset: DataFrame) -> Any:
        try:
            return super()._fit(dataset)  # type: ignore[misc]
        except Exception as error:  # a Connect server without our jar answers with its own error class
            if is_remote() and _names_unknown_stage(error, self._java_class):
                raise _jar.missing_on_server(error) from None
            raise


def _names_unknown_stage(error: Exception, java_class: str) -> bool:
    text = str(error)
    return java_class in text and ("UNSUPPORTED" in text.upper() or "not found" in text.lower()
                                   or "ClassNotFound" in text)


class _KortexModel(_KortexReadable, HasTrainingSummary[KortexTrainingSummary]):
    """The training summary of a model, in classic PySpark and over Spark Connect alike."""

    @property
    def _summaryCls(self) -> type:
        return KortexTrainingSummary

    def _summary_dataset(self, train_dataset: DataFrame) -> DataFrame:
        # Our summary holds every figure; Spark Connect sends this plan back only to rebuild a lost
        # summary, which ours does from its own file.
        return train_dataset

"""Where PySpark looks for our stages' Python classes, and why that is ``io.kortexdl.spark``.

PySpark maps a JVM stage to its Python class by name, in both directions:

* loading a stage (``JavaMLReader``, and Spark Connect's reader) turns the Python class's
  ``__module__`` into the Java package;
* loading a ``Pipeline``/``PipelineModel`` or a tuning model turns the Java class name
  ``io.kortexdl.spark.KortexClassifier`` into a module to import and a class to take from it.

The Java package begins with ``io``, a standard-library module, so ``import io.kortexdl.spark``
cannot work. This module registers ``io.kortexdl`` and ``io.kortexdl.spark`` in
``sys.modules`` (``import`` looks there before searching) and gives our stage classes that
``__module__``, so every PySpark route finds the Java class and the Python class it expects.
The standard ``io`` module is not touched.
"""

import sys
import types

JAVA_PACKAGE = "io.kortexdl.spark"


def _module(name: str, doc: str) -> types.ModuleType:
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name, doc)
        module.__path__ = []  # a package, so that its children resolve
        sys.modules[name] = module
    return module


def mirror_java_package(*classes: type) -> None:
    """Makes each class importable as ``io.kortexdl.spark.<Name>`` and names it so."""
    _module("io.kortexdl", "Alias of the kortexdl package for PySpark's Java-to-Python class mapping.")
    package = _module(JAVA_PACKAGE, "Our PySpark stages, under the name of their Java package.")
    for cls in classes:
        cls.__module__ = JAVA_PACKAGE
        setattr(package, cls.__name__, cls)

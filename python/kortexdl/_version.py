"""Versions of this package and of the Spark its jar is built for; a test keeps them equal to the Maven build's."""

__version__ = "0.1.0.dev0"
SPARK_VERSION = "4.2.0"

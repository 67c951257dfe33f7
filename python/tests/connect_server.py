"""A real Spark Connect server for the tests: pip pyspark's spark-submit running Spark's
SparkConnectServer in local[2], with or without the KortexDL jar."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import List, Optional

import pyspark


CONNECT_ENVIRONMENT = ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED", "SPARK_LOCAL_REMOTE",
                       "SPARK_CONNECT_AUTHENTICATE_TOKEN")


def child_environment() -> dict:
    """This process's environment without the variables by which PySpark marks a process as a
    Connect client: a child started from a Connect test is a classic process or a server."""
    return {k: v for k, v in os.environ.items() if k not in CONNECT_ENVIRONMENT}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ConnectServer:
    """Starts on construction, serves ``url`` until :meth:`stop`. Its log is kept in ``log_path``."""

    def __init__(self, jars: Optional[str], conf: Optional[dict] = None, startup_seconds: float = 180):
        self.port = free_port()
        self.url = "sc://127.0.0.1:%d" % self.port
        self.work_dir = tempfile.mkdtemp(prefix="kortex-connect-")
        self.log_path = os.path.join(self.work_dir, "server.log")
        submit = os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-submit")
        command: List[str] = [submit, "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
                              "--master", "local[2]", "--driver-memory", "2g",
                              "--conf", "spark.connect.grpc.binding.port=%d" % self.port,
                              "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
                              "--conf", "spark.ui.enabled=false",
                              "--conf", "spark.sql.shuffle.partitions=2",
                              "--conf", "spark.local.dir=%s" % self.work_dir]
        for key, value in (conf or {}).items():
            command += ["--conf", "%s=%s" % (key, value)]
        if jars:
            command += ["--jars", jars]
        self._log = open(self.log_path, "w")
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.work_dir,
                                         env=child_environment(), start_new_session=True)
        deadline = time.monotonic() + startup_seconds
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("the Connect server exited with %s:\n%s" % (self._process.returncode, self.log()))
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("the Connect server did not listen within %d s:\n%s" % (startup_seconds, self.log()))

    def log(self) -> str:
        with open(self.log_path) as f:
            return f.read()[-5000:]

    def stop(self) -> None:
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._log.close()
        shutil.rmtree(self.work_dir, ignore_errors=True)

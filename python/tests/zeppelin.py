"""Runs a Zeppelin note's ``%pyspark`` paragraphs as Zeppelin's PySpark interpreter does: one Python
namespace for the whole note with ``spark`` and ``sc`` bound, each paragraph's printed output
kept; ``%sql`` paragraphs through ``spark.sql``; ``%md`` paragraphs are prose and not run. The
first failing paragraph fails the note, naming it."""

import contextlib
import io
import json
import re
import traceback
from typing import Dict, List, NamedTuple

_MAGIC = re.compile(r"^%(\w+)\s*\n?")


class Paragraph(NamedTuple):
    title: str
    interpreter: str
    output: str


def run(path: str, spark, settings: Dict[str, str]) -> List[Paragraph]:
    """Runs the note at ``path``; ``settings`` replace ``name = ...`` lines of its first code paragraph."""
    with open(path) as f:
        note = json.load(f)
    namespace = {"spark": spark, "sc": spark.sparkContext, "__name__": "__zeppelin__"}
    done: List[Paragraph] = []
    first_code = True
    for paragraph in note["paragraphs"]:
        text = paragraph.get("text", "")
        magic = _MAGIC.match(text)
        interpreter = magic.group(1) if magic else note.get("defaultInterpreterGroup", "spark")
        code = text[magic.end():] if magic else text
        title = paragraph.get("title", "")
        if interpreter == "md":
            continue
        if interpreter == "pyspark" and first_code:
            code = _apply(code, settings, path)
            first_code = False
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                if interpreter == "pyspark":
                    exec(compile(code, "%s: %s" % (path, title), "exec"), namespace)
                elif interpreter == "sql":
                    for row in spark.sql(code).collect():
                        print("\t".join(str(v) for v in row))
                else:
                    raise AssertionError("%s: paragraph '%s' uses %%%s, which this runner does not run"
                                         % (path, title, interpreter))
        except Exception:
            raise AssertionError("%s: paragraph '%s' failed:\n%s\n%s" % (path, title, out.getvalue(),
                                                                         traceback.format_exc()))
        done.append(Paragraph(title, interpreter, out.getvalue()))
    return done


def _apply(code: str, settings: Dict[str, str], path: str) -> str:
    for name, value in settings.items():
        code, count = re.subn(r"^%s = .*$" % re.escape(name), "%s = %s" % (name, value), code, flags=re.M)
        if count != 1:
            raise AssertionError("%s: the first code paragraph does not set %s" % (path, name))
    return code


def output(paragraphs: List[Paragraph], title: str) -> str:
    for paragraph in paragraphs:
        if paragraph.title == title:
            return paragraph.output
    raise AssertionError("no paragraph titled %r" % title)

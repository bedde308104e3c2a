"""Odd bytes through `spawnguard check`: files that are not UTF-8, BOMs, `\\r` line breaks,
NUL bytes, broken notebooks. The CLI reports them (SPG000) and never writes over them."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robustness.corpus import small_seed_texts
from spawnguard.cli import main

START = b"import multiprocessing as mp\nmp.Process(target=print).start()\n"

NOT_UTF8 = {
    "latin1": (b"import multiprocessing as mp\nx = '\xe9'\n" + START, 2),
    "encoded-surrogate": (b"x = '\xed\xa0\x80'\n" + START, 1),
    "overlong": (START + b"y = '\xc0\xaf'\n", 3),
    "truncated-at-end": (START + b"z = '\xc3", 3),
    "utf16": ("import os\n".encode("utf-16"), 1),
    "bom-then-latin1": (b"\xef\xbb\xbf" + START + b"\xff\n", 3),
}


def run(arguments: list[str], cwd: Path, stdin: bytes = b"") -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        code = main(arguments, stdout=stdout, stderr=stderr,
                    stdin=io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    finally:
        os.chdir(previous)
    return code, stdout.getvalue(), stderr.getvalue()


@pytest.mark.parametrize(("content", "bad_line"), NOT_UTF8.values(), ids=list(NOT_UTF8))
def test_file_that_is_not_utf8_is_reported_and_left_alone(tmp_path: Path, content: bytes,
                                                         bad_line: int) -> None:
    path = tmp_path / "bad.py"
    path.write_bytes(content)
    code, out, err = run(["check", "bad.py"], tmp_path)
    assert (code, err) == (1, "")
    assert f"bad.py:{bad_line}:1: SPG000 cannot read: not UTF-8" in out
    code, out, err = run(["check", "--fix", "bad.py"], tmp_path)
    assert code == 1 and "not UTF-8" in out
    assert path.read_bytes() == content
    code, out, _ = run(["check", "--format", "json", "bad.py"], tmp_path)
    assert json.loads(out)


def test_stdin_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    code, out, err = run(["check", "-"], tmp_path, stdin=b"x = '\xe9'\n" + START)
    assert (code, err) == (1, "")
    assert "SPG000 cannot read: not UTF-8 (byte 0xe9 on line 1)" in out


@pytest.mark.parametrize("newline", [b"\r", b"\r\n"])
def test_fix_keeps_bom_and_line_breaks(tmp_path: Path, newline: bytes) -> None:
    path = tmp_path / "script.py"
    path.write_bytes(b"\xef\xbb\xbf" + START.replace(b"\n", newline))
    code, out, err = run(["check", "--fix", "script.py"], tmp_path)
    assert (code, err) == (0, ""), out
    fixed = path.read_bytes()
    assert fixed.startswith(b"\xef\xbb\xbf") and b"__main__" in fixed
    body = fixed[3:]
    assert body.count(newline) == body.count(b"\r") + body.count(b"\n") - (
        body.count(b"\r\n") if newline == b"\r\n" else 0) == len(body.splitlines())
    compile(body.decode("utf-8"), "script.py", "exec")


def test_nul_byte_is_a_syntax_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "nul.py").write_bytes(START.replace(b"mp\n", b"mp\0\n"))
    code, out, err = run(["check", "--fix", "nul.py"], tmp_path)
    assert (code, err) == (1, "")
    assert "SPG000" in out and "null bytes" in out


@pytest.mark.parametrize(("content", "message"), [
    (b"not json", "not JSON"),
    (b'{"cells": 5}', "no cells list"),
    (b'{"cells": [{"cell_type": "code", "source": "x = \xe9"}]}', "not UTF-8"),
    (b'[1, 2]', "no cells list"),
    (b'{"cells": [' + b'[' * 100_000 + b']' * 100_000 + b']}', "nested too deeply"),
    (b'{"cells": [{"cell_type": "code", "source": [1, 2]}]}', "source of code cell 1"),
    (b'{"cells": [{"cell_type": ["code"], "source": ""}]}', "cell_type of entry 1"),
], ids=["not-json", "cells-not-list", "not-utf8", "top-level-list", "deep-json",
        "source-not-text", "cell-type-not-text"])
def test_broken_notebook_is_reported_and_left_alone(tmp_path: Path, content: bytes,
                                                    message: str) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_bytes(content)
    code, out, err = run(["check", "--fix", "nb.ipynb"], tmp_path)
    assert (code, err) == (1, ""), out
    assert "SPG000" in out and message in out
    assert path.read_bytes() == content


BYTES_SETTINGS = settings(max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])


@BYTES_SETTINGS
@given(st.sampled_from(small_seed_texts()),
       st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=4)), max_size=4))
def test_random_bytes_in_real_files_through_check_fix(seed: tuple[str, str],
                                                      insertions: list) -> None:
    """Random bytes spliced into a real file: `check --fix` never raises, never writes a file
    it could not read, and writes UTF-8 that still parses where the original parsed."""
    data = seed[1].encode("utf-8")
    for fraction, piece in insertions:
        at = int(fraction * len(data))
        data = data[:at] + piece + data[at:]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.py"
        path.write_bytes(data)
        code, _, err = run(["check", "--fix", "fuzzed.py"], Path(folder))
        assert code in (0, 1) and err == ""
        after = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        assert after == data
        return
    fixed = after.decode("utf-8")
    try:
        compile(text, "fuzzed.py", "exec", dont_inherit=True, flags=0x400)  # PyCF_ONLY_AST
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    compile(fixed, "fuzzed.py", "exec", dont_inherit=True, flags=0x400)

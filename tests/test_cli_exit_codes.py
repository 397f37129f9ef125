"""The exit-code contract: 0 clean, 1 findings, 2 bad input or usage, 3 internal error; one line
on stderr, never a traceback; output paths checked before any work."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pixelhelper.cli import main
from pixelhelper.sources.writer import write_flow_file

from conftest import ROOT
from flowfactory import hit, pixel_flow


@pytest.fixture
def capture(tmp_path):
    path = tmp_path / "s.flow"
    write_flow_file(
        path, [pixel_flow(hit("Pageview", page="https://shop.example.com/?e=jane%40example.com"))]
    )
    return path


def test_clean_findings_and_bad_input(capture, tmp_path, capsys):
    assert main(["audit", str(capture)]) == 0
    assert main(["audit", str(capture), "--fail-on", "high"]) == 1
    assert main(["audit", str(tmp_path / "missing.flow")]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["audit", str(capture), "--format", "nope"])
    assert usage.value.code == 2


@pytest.mark.parametrize("target", ["dir", "no-parent", "under-a-file"])
def test_unwritable_output_is_a_one_line_error_before_the_audit(capture, tmp_path, capsys, target):
    output = {
        "dir": tmp_path,
        "no-parent": tmp_path / "missing" / "r.json",
        "under-a-file": capture / "r.json",
    }[target]
    assert main(["audit", str(capture), "--output", str(output)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "--output" in err


def test_internal_errors_exit_3_with_one_line(capture, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("pixelhelper.audit.audit_paths", broken)
    assert main(["audit", str(capture)]) == 3
    err = capsys.readouterr().err
    assert "internal error" in err and "report" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_reports_with_raw_values_and_captures_are_private(capture, tmp_path):
    assert (capture.stat().st_mode & 0o777) == 0o600
    out = tmp_path / "raw.json"
    main(["audit", str(capture), "--format", "json", "--output", str(out), "--show-values"])
    assert (out.stat().st_mode & 0o777) == 0o600


def test_a_closed_pipe_is_not_an_error(capture):
    proc = subprocess.run(
        f"{sys.executable} -m pixelhelper audit {capture} --format json | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_help_documents_the_exit_codes():
    proc = subprocess.run(
        [sys.executable, "-m", "pixelhelper", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert "3 internal error" in " ".join(proc.stdout.split())

"""Files in and out: every write is whole or absent (a failure exits 2 and says so), no output
overwrites an input, and every document a user hands in is bounded and validated."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pixelhelper.cli import main
from pixelhelper.files import WriteError, atomic_output, write_text
from pixelhelper.sources.writer import write_flow_file

from flowfactory import hit, pixel_flow

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CAPTURE = EXAMPLES / "shop-session.flow"


def _limited(args: list[str], limit: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`pixelhelper ARGS` under a file-size limit (`ulimit -f`)."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "pixelhelper.cli", *args],
        capture_output=True, text=True, cwd=cwd, preexec_fn=cap, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["json", "text", "html", "sarif", "jsonl"])
def test_a_write_over_the_file_size_limit_exits_2_and_leaves_nothing(tmp_path, fmt):
    out = tmp_path / "report.out"
    done = _limited(["audit", str(CAPTURE), "--format", fmt, "-o", str(out)], 2048, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert "cannot write" in done.stderr and str(out) in done.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    out = tmp_path / "report.json"
    out.write_text("the old report\n")
    done = _limited(["audit", str(CAPTURE), "--format", "json", "-o", str(out)], 2048, tmp_path)
    assert done.returncode == 2
    assert out.read_text() == "the old report\n"


def test_baseline_and_init_writes_fail_cleanly(tmp_path):
    baseline = tmp_path / "baseline.json"
    done = _limited(["check", str(CAPTURE), "--write-baseline", str(baseline), "--exit-zero",
                     "--format", "json", "-o", os.devnull], 512, tmp_path)  # fmt: skip
    assert done.returncode == 2 and "cannot write" in done.stderr
    assert not baseline.exists()
    policy = tmp_path / "pixelhelper.toml"
    done = _limited(["init", str(CAPTURE), "-o", str(policy)], 256, tmp_path)
    assert done.returncode == 2 and "cannot write" in done.stderr and not policy.exists()


def test_atomic_output_discards_on_error_and_keeps_devices(tmp_path):
    target = tmp_path / "x.txt"
    with pytest.raises(RuntimeError), atomic_output(target) as output:
        output.write(b"half")
        raise RuntimeError("stop")
    assert not target.exists() and list(tmp_path.iterdir()) == []
    write_text(os.devnull, "to the device, in place\n")  # /dev/null is not replaced by a file
    assert Path(os.devnull).is_char_device()
    write_text(target, "whole\n", private=True)
    assert target.read_text() == "whole\n" and target.stat().st_mode & 0o777 == 0o600


def test_a_directory_that_cannot_be_written_is_a_write_error(tmp_path):
    if os.geteuid() == 0:  # root writes anywhere: a missing directory instead
        target = tmp_path / "missing" / "x.txt"
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "x.txt"
    with pytest.raises(WriteError, match="cannot write"):
        write_text(target, "x")


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "{capture}", "-o", "{capture}"],
        ["audit", "{capture}", "--format", "jsonl", "-o", "{capture}"],
        ["check", "{capture}", "--write-baseline", "{capture}"],
        ["check", "{capture}", "-o", "{capture}"],
        ["diff", "{capture}", "{capture}", "-o", "{capture}"],
        ["init", "{capture}", "-o", "{capture}", "--force"],
    ],
)
def test_an_output_that_is_an_input_is_refused_before_anything_is_written(tmp_path, args, capsys):
    capture = tmp_path / "session.flow"
    shutil.copy(CAPTURE, capture)
    before = capture.read_bytes()
    code = main([a.replace("{capture}", str(capture)) for a in args])
    assert code == 2
    assert "one of the inputs" in capsys.readouterr().err
    assert capture.read_bytes() == before


def test_a_hard_link_to_an_input_is_the_input(tmp_path, capsys):
    capture = tmp_path / "session.flow"
    shutil.copy(CAPTURE, capture)
    link = tmp_path / "report.json"
    os.link(capture, link)
    assert main(["audit", str(capture), "-o", str(link)]) == 2
    assert capture.read_bytes() == CAPTURE.read_bytes()


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_baselines_and_reports_are_usage_errors(tmp_path, capsys, depth):
    nested = tmp_path / "deep.json"
    nested.write_text('{"version": 1, "fingerprints": {"a": ' + _deep_json(depth) + "}}")
    assert main(["check", str(CAPTURE), "--baseline", str(nested)]) == 2
    assert "nested deeper" in capsys.readouterr().err
    report = tmp_path / "report.json"
    report.write_text('{"version": 1, "events": [' + _deep_json(depth) + '], "findings": []}')
    assert main(["diff", str(report), str(report)]) == 2
    assert "nested deeper" in capsys.readouterr().err


def test_a_deeply_nested_policy_is_a_usage_error(tmp_path, capsys):
    policy = tmp_path / "pixelhelper.toml"
    policy.write_text("[pixels]\nallowed = " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["check", str(CAPTURE), "--policy", str(policy)]) == 2
    err = capsys.readouterr().err
    assert str(policy) in err and "internal error" not in err


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.update(events={"0": {}}),
        lambda r: r.update(events=[1, 2, 3]),
        lambda r: r.update(findings=["a finding"]),
        lambda r: r["pages"][0].update(url=7),
        lambda r: r["pages"][0].update(url=["https://a.example/"]),
        lambda r: r["pages"][0]["pixels"][0].update(loads="three"),
        lambda r: r["pages"][0]["pixels"][0].update(loads=[1.5]),
        lambda r: r["findings"][0].update(event="2"),
        lambda r: r["findings"][0].update(severity="fatal"),
        lambda r: r.update(summary={"findings": {"high": "many"}}),
        lambda r: r.update(version="1"),
        lambda r: r.update(pixels=[{"loads": 1}]),
    ],
)
def test_reports_of_the_wrong_shape_are_named_errors(tmp_path, capsys, mutate):
    good = tmp_path / "good.json"
    main(["audit", str(CAPTURE), "--format", "json", "-o", str(good)])
    report = json.loads(good.read_text())
    mutate(report)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(report))
    assert main(["diff", str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "internal error" not in err
    assert main(["view", str(bad)]) == 2  # refused before the app starts
    assert str(bad) in capsys.readouterr().err


def test_a_lone_surrogate_in_a_report_is_shown_not_fatal(tmp_path, capsys):
    good = tmp_path / "good.json"
    main(["audit", str(CAPTURE), "--format", "json", "-o", str(good)])
    text = good.read_text().replace('"Purchase"', '"Purch\\ud800ase"', 1)
    bad = tmp_path / "surrogate.json"
    bad.write_text(text)
    code = main(["diff", str(good), str(bad)])
    assert code in (0, 1)
    assert "internal error" not in capsys.readouterr().err


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_as_documents(tmp_path, capsys, special):
    policy = tmp_path / "pixelhelper.toml"
    policy.write_text(f'[identities]\nknown = "{special}"\n')
    assert main(["check", str(CAPTURE), "--policy", str(policy)]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert main(["audit", str(CAPTURE), "--known-identities", special]) == 2
    assert main(["check", str(CAPTURE), "--baseline", special]) == 2
    assert main(["crawl", "--sites-file", special, "--out", str(tmp_path / "c")]) == 2


def test_a_fifo_policy_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "policy.toml"
    os.mkfifo(fifo)
    assert main(["check", str(CAPTURE), "--policy", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_crawl_captures_are_private(tmp_path):
    from pixelhelper.crawl.run import store_files

    row = {"site": "https://s.example/", "capture": "captures/s.flow", "report": "reports/s.json"}
    store_files(tmp_path, {"row": row, "capture": b"raw traffic", "report": "{}"})
    assert (tmp_path / "captures/s.flow").stat().st_mode & 0o777 == 0o600


def test_a_jsonl_report_is_written_whole_after_the_audit(tmp_path):
    path = tmp_path / "s.flow"
    write_flow_file(path, [pixel_flow(hit("Pageview", n=n), n=n) for n in range(3)])
    out = tmp_path / "r.jsonl"
    main(["audit", str(path), "--format", "jsonl", "-o", str(out)])
    kinds = [json.loads(line)["record"] for line in out.read_text().splitlines()]
    assert kinds[:3] == ["event"] * 3 and kinds[-1] == "summary"


@pytest.mark.parametrize("option", ["pixelhelper_report", "pixelhelper_save"])
def test_the_proxy_exits_non_zero_when_its_report_or_capture_is_lost(tmp_path, option):
    """The proxy child as `live` starts it, reading a capture instead of listening, under a
    file-size limit: the file is not left half-written, the error is said, the exit is not 0."""
    from pixelhelper.live.outcome import ENTRY_CODE

    target = tmp_path / "out.file"
    entry = Path(__file__).resolve().parent.parent / "pixelhelper" / "live" / "mitmdump_entry.py"

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    done = subprocess.run(
        [sys.executable, "-c", ENTRY_CODE, "-q", "-n", "-r", str(CAPTURE), "-s", str(entry),
         "--set", f"{option}={target}", "--set", "pixelhelper_view=none",
         "--set", "pixelhelper_summary=false", "--set", "pixelhelper_save_all=true"],
        capture_output=True, text=True, timeout=120, preexec_fn=cap, cwd=tmp_path,
    )  # fmt: skip
    said = done.stdout + done.stderr  # mitmdump's log goes to stdout
    assert done.returncode != 0, said
    assert "File too large" in said and "Traceback" not in said
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_the_proxy_exits_0_when_everything_was_written(tmp_path):
    from pixelhelper.live.outcome import ENTRY_CODE

    report = tmp_path / "r.json"
    entry = Path(__file__).resolve().parent.parent / "pixelhelper" / "live" / "mitmdump_entry.py"
    done = subprocess.run(
        [sys.executable, "-c", ENTRY_CODE, "-q", "-n", "-r", str(CAPTURE), "-s", str(entry),
         "--set", f"pixelhelper_report={report}", "--set", "pixelhelper_view=none",
         "--set", "pixelhelper_summary=false"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(json.loads(report.read_text())["events"]) == 8  # 7 TikTok, 1 Meta Pixel

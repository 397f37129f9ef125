"""`pixelhelper audit` of this checkout against an earlier revision's, by turns (same run).

    python benchmarks/bench_revision.py --before REV [--mb 1024] [--runs 4] [--shares 1,20]

Checks REV out into a temporary git worktree, generates a flow file per pixel share (as
bench_audit.py does), and audits it with each tree's package in turn (`PYTHONPATH`, bytecode
compiled first), printing CPU time (user + system) min / median per tree and the ratio
now / before. What a change costs the audit, with the machine's mood on both sides.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from captures import write_flow_file  # noqa: E402


def cpu(tree: Path, capture: Path, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "pixelhelper.cli", "audit", "--format", "json", str(capture),
               "--output", str(out)]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, cwd=tempfile.gettempdir(), check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the earlier revision (git)")
    parser.add_argument("--mb", type=float, default=1024)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--shares", default="1,20", help="pixel shares in percent")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        work = Path(workdir)
        earlier = work / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach",
                        str(earlier), args.before], check=True)  # fmt: skip
        try:
            trees = {"before": earlier, "now": ROOT}
            for tree in trees.values():
                subprocess.run([sys.executable, "-m", "compileall", "-q",
                                str(tree / "pixelhelper")], check=True)  # fmt: skip
            for share in (float(s) / 100 for s in args.shares.split(",")):
                capture = work / "capture.flow"
                flows = write_flow_file(capture, int(args.mb * 1024 * 1024), share)
                times: dict[str, list[float]] = {name: [] for name in trees}
                for _ in range(args.runs):
                    for name, tree in trees.items():
                        times[name].append(cpu(tree, capture, work / "out.json"))
                b, a = times["before"], times["now"]
                print(
                    f"{share:.0%} pixel, {flows} flows: before {min(b):.2f} / "
                    f"{statistics.median(b):.2f} s, now {min(a):.2f} / "
                    f"{statistics.median(a):.2f} s; now/before {min(a) / min(b):.3f} (min), "
                    f"{statistics.median(a) / statistics.median(b):.3f} (median)"
                )
                capture.unlink()
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(earlier)], check=False)  # fmt: skip


if __name__ == "__main__":
    main()

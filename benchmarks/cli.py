"""CLI start-up: `dunning calc words 1` and `dunning --help` against `python -c pass`, same run.

    .venv/bin/python benchmarks/cli.py [--repeat 15]

Each command runs --repeat times as a fresh process (the installed console script, on a fresh
instance folder); printed are the median and best wall time and the median CPU time (user + system
of the child), each also less the interpreter's own start-up (`python -c pass`, measured in the
same loop, interleaved, so both see the same machine load).
Target: ≤ 0.5 s of start-up beyond the interpreter's.
Neither command may import Flask or SQLAlchemy; the benchmark checks that too (with -X importtime).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TARGET_S = 0.5
HEAVY = ("flask", "sqlalchemy", "pydantic", "alembic", "werkzeug")


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``argv`` as a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _heavy_imports(argv: list[str], env: dict[str, str]) -> list[str]:
    """The heavy top-level packages the command imports, from ``python -X importtime``."""
    out = subprocess.run(argv, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True, text=True,
                         check=True).stderr
    seen = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in out.splitlines() if "|" in line}
    return sorted(seen & set(HEAVY))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    dunning = str(BIN / "dunning")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DUNNING_INSTANCE_PATH": str(Path(tmp) / "instance")}
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "dunning calc words 1": [dunning, "calc", "words", "1"],
            "dunning --help": [dunning, "--help"],
        }
        for argv in cases.values():  # warm the file cache and the .pyc files first
            _run(argv, env)
        walls: dict[str, list[float]] = {name: [] for name in cases}
        cpus: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.repeat):
            for name, argv in cases.items():
                wall, cpu = _run(argv, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
        heavy = {name: _heavy_imports(argv, env) for name, argv in cases.items() if name.startswith("dunning")}

    base_wall = statistics.median(walls["python -c pass"])
    base_best = min(walls["python -c pass"])
    base_cpu = statistics.median(cpus["python -c pass"])
    print(f"{'':<24}{'median wall':>12}{'best wall':>11}{'median CPU':>12}   beyond the interpreter "
          f"(median wall / best wall / median CPU)")
    ok = True
    for name in cases:
        wall, best, cpu = statistics.median(walls[name]), min(walls[name]), statistics.median(cpus[name])
        line = f"{name:<24}{wall:>11.3f}s{best:>10.3f}s{cpu:>11.3f}s"
        if name != "python -c pass":
            extra = (wall - base_wall, best - base_best, cpu - base_cpu)
            verdict = "ok" if extra[0] <= TARGET_S else "OVER TARGET"
            ok = ok and extra[0] <= TARGET_S
            line += f"   {extra[0]:.3f}s / {extra[1]:.3f}s / {extra[2]:.3f}s  {verdict}"
            if heavy[name]:
                line += f"  (imports {', '.join(heavy[name])})"
        print(line)
    print(f"target: ≤ {TARGET_S} s beyond `python -c pass` (median wall); {args.repeat} runs each, interleaved")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

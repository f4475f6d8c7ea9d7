"""Time each framework alone in its own process, alternating, and compare medians.

In one shared process NumPy's OpenBLAS threads and PyTorch's OpenMP threads spin against each
other, which slows both (PyTorch by 2.5-3.5x on these machines) and flatters whichever side
is measured second. So a benchmark script measures one side per process: the parent re-runs
its own script as ``script --side neurenix ...`` and ``script --side torch ...``, alternating
for ``rounds`` rounds so that load from other work hits both sides alike, and each child prints
one JSON line of figures. The parent reports the median of each figure over the rounds.
"""
import json
import os
import statistics
import subprocess
import sys

SIDES = ("neurenix", "torch")
_MARK = "SIDE-RESULT "


def child_side(argv=None):
    """The side this process measures (``--side NAME`` on the command line), or None in the
    parent."""
    argv = sys.argv if argv is None else argv
    return argv[argv.index("--side") + 1] if "--side" in argv else None


def report(figures: dict) -> None:
    """In a child: hand ``figures`` (JSON-serialisable) to the parent."""
    print(_MARK + json.dumps(figures), flush=True)


def alternate(script: str, args: list, rounds: int, sides=SIDES, timeout: float = 1800) -> dict:
    """Run ``script --side S *args`` for each side in turn, ``rounds`` times; returns
    {side: [figures of each round]}. A side whose process fails (torch not installed) is
    dropped with a message."""
    results = {side: [] for side in sides}
    failed = set()
    for _ in range(rounds):
        for side in sides:
            if side in failed:
                continue
            run = subprocess.run([sys.executable, script, "--side", side, *args],
                                 capture_output=True, text=True, timeout=timeout,
                                 env=dict(os.environ))
            lines = [line for line in run.stdout.splitlines() if line.startswith(_MARK)]
            if run.returncode != 0 or not lines:
                print(f"{side}: no result (exit {run.returncode}): "
                      f"{(run.stderr or run.stdout).strip().splitlines()[-1:]}")
                failed.add(side)
                continue
            results[side].append(json.loads(lines[-1][len(_MARK):]))
    return {side: r for side, r in results.items() if r}


def median(rounds: list, key: str) -> float:
    """The median of figure ``key`` over the rounds of one side."""
    return statistics.median(r[key] for r in rounds)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f} (1, 5, 15 min) on {os.cpu_count()} CPUs"

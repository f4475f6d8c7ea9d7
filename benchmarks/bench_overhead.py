"""Framework overhead per training step on tiny tensors: neurenix against PyTorch.

The workload is all overhead and no arithmetic: a 4-layer MLP, 32 wide, on a batch of 16,
written with raw tensor ops (``x @ W + b``, ``relu``, a mean squared error) and trained by an SGD
update under ``no_grad``. Each step runs about 15 ops forward and their backwards, on matrices so
small that NumPy's and PyTorch's per-call costs dominate. The figure is microseconds per step.

Each framework runs alone in its own process (see ``_sides.py``), with one BLAS/intra-op
thread (``torch.set_num_threads(1)``, threadpoolctl for NumPy's OpenBLAS): threads only add
synchronisation at this size, and the two sides then use the same amount of the machine.

Run:  python benchmarks/bench_overhead.py [--steps 1000] [--rounds 3] [--profile]
Writes benchmarks/results_overhead.md next to this file. ``--profile`` instead prints where
neurenix's time goes (cProfile, sorted by own time), to find the next thing to optimise.
"""
import argparse
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from _env import blas_description, clean_blas_env  # noqa: E402
from _sides import alternate, load_average, median, report  # noqa: E402

clean_blas_env()  # before NumPy loads OpenBLAS: drops OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE

import numpy as np  # noqa: E402  (after the re-exec above, so OpenBLAS sees the clean environment)

import neurenix as nx  # noqa: E402

BATCH, WIDTH, LAYERS, LR = 16, 32, 4, 0.01


def make_data(seed: int = 0):
    """Inputs, targets and the initial weights/biases as float32 arrays, shared by both sides."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, WIDTH)).astype(np.float32)
    y = rng.standard_normal((BATCH, WIDTH)).astype(np.float32)
    params = []
    for _ in range(LAYERS):
        params.append((rng.standard_normal((WIDTH, WIDTH)) * WIDTH ** -0.5).astype(np.float32))
        params.append(np.zeros(WIDTH, np.float32))
    return x, y, params


def run(lib, steps: int) -> tuple[float, float]:
    """Seconds per step and the final loss of the training loop written with ``lib``'s tensors
    (``neurenix`` or ``torch``: the same code runs on both)."""
    x_np, y_np, arrays = make_data()
    x, y = lib.tensor(x_np), lib.tensor(y_np)
    params = [lib.tensor(a, requires_grad=True) for a in arrays]

    def step():
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = h.relu()
        loss = ((h - y) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss

    for _ in range(20):  # warm-up
        step()
    start = time.perf_counter()
    for _ in range(steps):
        loss = step()
    return (time.perf_counter() - start) / steps, loss.item()


def profile(steps: int) -> None:
    """Print neurenix's 25 most expensive functions by own time over ``steps`` steps."""
    import cProfile
    import pstats
    profiler = cProfile.Profile()
    profiler.runcall(run, nx, steps)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def measure(side: str, steps: int, repeats: int) -> None:
    """In a child process: the best of ``repeats`` runs of one side, one thread."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    if side == "torch":
        import torch
        torch.set_num_threads(1)
        lib, version = torch, torch.__version__
    else:
        lib, version = nx, nx.__version__
    times, loss = [], None
    for _ in range(repeats):
        seconds, loss = run(lib, steps)
        times.append(seconds)
    report({"us": min(times) * 1e6, "loss": loss, "version": version,
            "blas": blas_description()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs per process")
    parser.add_argument("--rounds", type=int, default=3, help="alternating processes per side")
    parser.add_argument("--no-write", action="store_true", help="do not write results_overhead.md")
    parser.add_argument("--profile", action="store_true", help="profile neurenix instead")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        measure(args.side, args.steps, args.repeats)
        return
    if args.profile:
        profile(args.steps)
        return
    print(f"workload: {LAYERS}-layer MLP, width {WIDTH}, batch {BATCH}, float32, "
          f"{args.steps} steps; each side alone in its own process, {args.rounds} alternating "
          f"rounds, best of {args.repeats} runs per round; median over rounds")
    results = alternate(__file__, ["--steps", str(args.steps), "--repeats", str(args.repeats)],
                        args.rounds)
    ours = results["neurenix"]
    nx_us = median(ours, "us")
    print(f"BLAS: {ours[0]['blas']}")
    print(f"neurenix: {nx_us:7.1f} us/step  (final loss {ours[0]['loss']:.6f})")
    lines = [
        "# Framework overhead: tiny MLP training step",
        "",
        f"Workload: {LAYERS}-layer MLP (width {WIDTH}, batch {BATCH}, float32) written with raw "
        "tensor ops, MSE loss, SGD update under no_grad; "
        f"{args.steps} steps. Each framework alone in its own process (one thread), "
        f"{args.rounds} alternating rounds of the best of {args.repeats} runs; medians.",
        "",
        f"- machine: {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, NumPy {np.__version__}",
        f"- BLAS: {ours[0]['blas']}",
        f"- load average when run: {load_average()}",
        "",
        "| framework | us / step |",
        "|---|---|",
        f"| neurenix {nx.__version__} | {nx_us:.1f} |",
    ]
    if "torch" in results:
        theirs = results["torch"]
        torch_us = median(theirs, "us")
        ratio = nx_us / torch_us
        print(f"PyTorch:  {torch_us:7.1f} us/step  (final loss {theirs[0]['loss']:.6f}, "
              f"torch {theirs[0]['version']})")
        print(f"ratio neurenix / PyTorch: {ratio:.2f}x")
        lines += [f"| PyTorch {theirs[0]['version']} | {torch_us:.1f} |", "",
                  f"Ratio neurenix / PyTorch: **{ratio:.2f}x** (target: at most 0.85x).",
                  f"Final losses agree: neurenix {ours[0]['loss']:.6f}, "
                  f"PyTorch {theirs[0]['loss']:.6f}."]
    else:
        print("PyTorch not installed: no comparison")
    if not args.no_write:
        path = Path(__file__).with_name("results_overhead.md")
        path.write_text("\n".join(lines) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

"""Framework overhead per training step on tiny tensors: neurenix against PyTorch.

The workload is all overhead and no arithmetic: a 4-layer MLP, 32 wide, on a batch of 16,
written with raw tensor ops (``x @ W + b``, ``relu``, a mean squared error) and trained by an SGD
update under ``no_grad``. Each step runs about 15 ops forward and their backwards, on matrices so
small that NumPy's and PyTorch's per-call costs dominate. The figure is microseconds per step.

Both frameworks run one BLAS/intra-op thread (``torch.set_num_threads(1)``, threadpoolctl for
NumPy's OpenBLAS): threads only add synchronisation at this size, and the two sides then use
the same amount of the machine.

Run:  python benchmarks/bench_overhead.py [--steps 1000] [--repeats 5] [--profile]
Writes benchmarks/results_overhead.md next to this file. ``--profile`` instead prints where
neurenix's time goes (cProfile, sorted by own time), to find the next thing to optimise.
"""
import argparse
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from _env import blas_description, clean_blas_env  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5, help="best of this many runs")
    parser.add_argument("--no-write", action="store_true", help="do not write results_overhead.md")
    parser.add_argument("--profile", action="store_true", help="profile neurenix instead")
    args = parser.parse_args()

    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None

    if args.profile:
        profile(args.steps)
        return
    print(f"BLAS: {blas_description()}")
    print(f"workload: {LAYERS}-layer MLP, width {WIDTH}, batch {BATCH}, float32, "
          f"{args.steps} steps, best of {args.repeats}")
    nx_times, torch_times = [], []
    for _ in range(args.repeats):  # interleaved, so a noisy neighbour hits both sides alike
        seconds, nx_loss = run(nx, args.steps)
        nx_times.append(seconds)
        if torch is not None:
            seconds, torch_loss = run(torch, args.steps)
            torch_times.append(seconds)
    nx_us = min(nx_times) * 1e6
    print(f"neurenix: {nx_us:7.1f} us/step  (final loss {nx_loss:.6f})")
    lines = [
        "# Framework overhead: tiny MLP training step",
        "",
        f"Workload: {LAYERS}-layer MLP (width {WIDTH}, batch {BATCH}, float32) written with raw "
        "tensor ops, MSE loss, SGD update under no_grad; "
        f"{args.steps} steps, best of {args.repeats} interleaved runs; one thread on each side.",
        "",
        f"- machine: {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, NumPy {np.__version__}",
        f"- BLAS: {blas_description()}",
        f"- load average when run (1, 5, 15 min): "
        f"{', '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs",
        "",
        "| framework | us / step |",
        "|---|---|",
        f"| neurenix {nx.__version__} | {nx_us:.1f} |",
    ]
    if torch is not None:
        torch_us = min(torch_times) * 1e6
        ratio = nx_us / torch_us
        print(f"PyTorch:  {torch_us:7.1f} us/step  (final loss {torch_loss:.6f}, "
              f"torch {torch.__version__})")
        print(f"ratio neurenix / PyTorch: {ratio:.2f}x")
        lines += [f"| PyTorch {torch.__version__} | {torch_us:.1f} |", "",
                  f"Ratio neurenix / PyTorch: **{ratio:.2f}x** (target: at most 1.0x).",
                  f"Final losses agree: neurenix {nx_loss:.6f}, PyTorch {torch_loss:.6f}."]
    else:
        print("PyTorch not installed: no comparison")
    if not args.no_write:
        path = Path(__file__).with_name("results_overhead.md")
        path.write_text("\n".join(lines) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

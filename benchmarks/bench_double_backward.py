"""A double-backward workload: one WGAN-GP critic step, neurenix against PyTorch.

The critic's loss holds the gradient penalty (Gulrajani et al., 2017): the norm of d critic /
d input at points between real and fake samples, pushed towards 1. Each step therefore runs a
forward, a backward with ``create_graph=True`` (the gradient with a graph of its own), a second
forward through that graph, the backward of the whole (differentiating the first backward), and
an Adam update. The critic is an MLP (64 -> 256 -> 256 -> 1, LeakyReLU 0.2) on batches of 64;
the same code runs on both libraries. The figure is milliseconds per step.

Each framework runs alone in its own process (see ``_sides.py``), with one BLAS/intra-op
thread, alternating for ``--rounds`` rounds; the figure is the median over rounds of each
process's median step.

Run:  python benchmarks/bench_double_backward.py [--steps 200] [--rounds 3]
Writes benchmarks/results_double_backward.md next to this file.
"""
import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from _env import blas_description, clean_blas_env  # noqa: E402
from _sides import alternate, load_average, median, report  # noqa: E402

clean_blas_env()

import numpy as np  # noqa: E402

BATCH, FEATURES, HIDDEN, PENALTY = 64, 64, 256, 10.0


def critic_step_loop(lib, steps: int) -> tuple:
    """Median seconds per step and the last loss of ``steps`` WGAN-GP critic steps in ``lib``."""
    rng = np.random.default_rng(0)
    nn = lib.nn
    critic = nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.LeakyReLU(0.2),
                           nn.Linear(HIDDEN, HIDDEN), nn.LeakyReLU(0.2), nn.Linear(HIDDEN, 1))
    weights = {k: rng.standard_normal(tuple(v.shape)).astype(np.float32) * 0.05
               for k, v in critic.state_dict().items()}
    critic.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
    optimizer = lib.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
    real = lib.tensor(rng.standard_normal((BATCH, FEATURES)).astype(np.float32))
    fake = lib.tensor(rng.standard_normal((BATCH, FEATURES)).astype(np.float32) + 1)
    eps = lib.tensor(rng.random((BATCH, 1)).astype(np.float32))

    def step():
        x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (gradient,) = lib.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        norm = ((gradient * gradient).sum(dim=1) + 1e-12).sqrt()
        loss = critic(fake).mean() - critic(real).mean() + PENALTY * ((norm - 1) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(5):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), loss


def measure(side: str, steps: int) -> None:
    """In a child process: one side's median step, one thread."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    if side == "torch":
        import torch
        torch.set_num_threads(1)
        lib, version = torch, torch.__version__
    else:
        import neurenix as lib
        version = lib.__version__
    seconds, loss = critic_step_loop(lib, steps)
    report({"ms": seconds * 1e3, "loss": loss, "version": version, "blas": blas_description()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        measure(args.side, args.steps)
        return
    results = alternate(__file__, ["--steps", str(args.steps)], args.rounds)
    ours = median(results["neurenix"], "ms")
    lines = ["# Double backward: a WGAN-GP critic step", "",
             f"Critic MLP {FEATURES} -> {HIDDEN} -> {HIDDEN} -> 1 (LeakyReLU 0.2), batch {BATCH}, "
             f"float32, gradient penalty {PENALTY}, Adam; median of {args.steps} steps per "
             f"process, each framework alone in its own process (one thread), {args.rounds} "
             "alternating rounds; medians over rounds.", "",
             f"- machine: {platform.processor() or platform.machine()}, "
             f"Python {platform.python_version()}, NumPy {np.__version__}",
             f"- BLAS: {results['neurenix'][0]['blas']}",
             f"- load average when run: {load_average()}", "",
             "| framework | ms / step | last loss |", "|---|---:|---:|",
             f"| neurenix {results['neurenix'][0]['version']} | {ours:.2f} | "
             f"{results['neurenix'][-1]['loss']:.6f} |"]
    if "torch" in results:
        theirs = median(results["torch"], "ms")
        lines += [f"| PyTorch {results['torch'][0]['version']} | {theirs:.2f} | "
                  f"{results['torch'][-1]['loss']:.6f} |", "",
                  f"Ratio neurenix / PyTorch: **{ours / theirs:.2f}x**."]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        (HERE / "results_double_backward.md").write_text(text)


if __name__ == "__main__":
    main()

"""Kernel speed: im2col conv2d and bilinear resizing, against PyTorch and NumPy's own matmul.

Workloads (float32, NCHW):
- conv2d 3x3, stride 1, padding 1, N=8, 64 -> 64 channels, 64 x 64: the forward alone, and the
  forward plus the backward for the input and weight gradients. Reported as ms, GFLOP/s, the
  ratio to PyTorch, and the fraction of the rate NumPy's matmul reaches in the same run on the
  forward's own GEMM (64 x 576 @ the 576 x 32768 im2col matrix): the ceiling an im2col conv
  can approach.
- bilinear resizing (align_corners=False) of 8 x 64 x 64 x 64 to 32 x 32 and to 128 x 128:
  forward, and forward plus backward.

Each figure is the median of ``--repeats`` timings after a warm-up; neurenix and PyTorch are
timed alternately, so load from other processes hits both sides alike, and the ratio is the
figure to read. Both sides run ``--threads`` threads (default 2): ``torch.set_num_threads``
and threadpoolctl's limit on NumPy's BLAS (the BLAS kernel and thread counts are printed).
``--threads 1 2`` runs both settings; one thread per side is the steadier figure on a machine
whose cores are busy with other work, where a multithreaded BLAS call can stall waiting for a
preempted thread.

Run:  python benchmarks/bench_kernels.py [--repeats 7] [--threads 2]
Writes benchmarks/results_kernels.md next to this file.
"""
import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from _env import clean_blas_env  # noqa: E402

clean_blas_env()  # before NumPy loads OpenBLAS: drops OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

import neurenix as nx  # noqa: E402
from neurenix.core.ops.conv import im2col  # noqa: E402

N, C, O, SIZE, K = 8, 64, 64, 64, 3


def median_ms(fns: dict, repeats: int) -> dict:
    """Median wall time in ms of each function, timed alternately after one warm-up each."""
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: 1e3 * float(np.median(t)) for name, t in times.items()}


def blas_pools() -> str:
    """Every BLAS / OpenMP pool threadpoolctl sees, named by the package that loaded it (NumPy
    and SciPy each ship their own OpenBLAS build, so the owner says which one NumPy used)."""
    parts = []
    for info in threadpool_info():
        path = info.get("filepath", "")
        owner = next((name for key, name in (("numpy", "NumPy"), ("scipy", "SciPy"),
                                             ("torch", "PyTorch")) if key in path), "other")
        parts.append(f"{owner}: {info.get('internal_api')} {info.get('version') or ''} "
                     f"kernel {info.get('architecture') or '-'}, "
                     f"{info.get('num_threads')} threads".replace("  ", " "))
    return "; ".join(parts) or "no BLAS found by threadpoolctl"


def conv_rows(torch, repeats: int) -> list:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, SIZE, SIZE)).astype(np.float32)
    w = (rng.standard_normal((O, C, K, K)) * 0.05).astype(np.float32)
    b = rng.standard_normal(O).astype(np.float32)
    g = rng.standard_normal((N, O, SIZE, SIZE)).astype(np.float32)
    flops = 2 * N * O * C * K * K * SIZE * SIZE  # the forward; each gradient costs as much
    X, W, B, G = nx.tensor(x), nx.tensor(w), nx.tensor(b), nx.tensor(g)

    def ours_forward():
        nx.conv2d(X, W, B, padding=1)

    def ours_backward():
        xs = [nx.tensor(a, requires_grad=True) for a in (x, w, b)]
        nx.conv2d(*xs, padding=1).backward(G)

    # NumPy's own rate on the forward's GEMM: (O, C*K*K) @ the (C*K*K, N*H*W) im2col matrix
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    a = w.reshape(O, -1)
    cols = im2col(padded, K, K, SIZE, SIZE, (1, 1), (1, 1)).reshape(C * K * K, -1)
    fns = {"ours forward": ours_forward, "ours forward+backward": ours_backward,
           "numpy matmul": lambda: a @ cols}
    if torch is not None:
        tx, tw, tb, tg = (torch.from_numpy(v) for v in (x, w, b, g))

        def torch_forward():
            with torch.no_grad():
                torch.nn.functional.conv2d(tx, tw, tb, padding=1)

        def torch_backward():
            ts = [v.clone().requires_grad_() for v in (tx, tw, tb)]
            torch.nn.functional.conv2d(*ts, padding=1).backward(tg)

        fns.update({"torch forward": torch_forward, "torch forward+backward": torch_backward})
    ms = median_ms(fns, repeats)
    numpy_rate = flops / ms["numpy matmul"] / 1e6
    rows = []
    for what, work in (("forward", flops), ("forward+backward", 3 * flops)):
        ours = ms[f"ours {what}"]
        rate = work / ours / 1e6
        theirs = ms.get(f"torch {what}")
        rows.append((f"conv2d 3x3 {N}x{C}x{SIZE}x{SIZE} -> {O}ch, {what}", ours, theirs,
                     f"{rate:.1f} GFLOP/s = {rate / numpy_rate:.0%} of NumPy matmul "
                     f"({numpy_rate:.1f} GFLOP/s)"))
    return rows


def resize_rows(torch, repeats: int) -> list:
    x = np.random.default_rng(1).standard_normal((N, C, SIZE, SIZE)).astype(np.float32)
    rows = []
    for out in (32, 128):
        g = np.random.default_rng(2).standard_normal((N, C, out, out)).astype(np.float32)
        X, G = nx.tensor(x), nx.tensor(g)

        def ours_forward():
            nx.interpolate(X, size=(out, out), mode="bilinear", align_corners=False)

        def ours_backward():
            leaf = nx.tensor(x, requires_grad=True)
            nx.interpolate(leaf, size=(out, out), mode="bilinear", align_corners=False).backward(G)

        fns = {"ours forward": ours_forward, "ours forward+backward": ours_backward}
        if torch is not None:
            tx, tg = torch.from_numpy(x), torch.from_numpy(g)

            def torch_forward():
                with torch.no_grad():
                    torch.nn.functional.interpolate(tx, size=(out, out), mode="bilinear",
                                                    align_corners=False)

            def torch_backward():
                leaf = tx.clone().requires_grad_()
                torch.nn.functional.interpolate(leaf, size=(out, out), mode="bilinear",
                                                align_corners=False).backward(tg)

            fns.update({"torch forward": torch_forward, "torch forward+backward": torch_backward})
        ms = median_ms(fns, repeats)
        for what in ("forward", "forward+backward"):
            rows.append((f"bilinear {N}x{C}x{SIZE}x{SIZE} -> {out}x{out}, {what}",
                         ms[f"ours {what}"], ms.get(f"torch {what}"), ""))
    return rows


def table(torch, threads: int, repeats: int) -> list:
    """The markdown lines of one run at ``threads`` threads per side."""
    if torch is not None:
        torch.set_num_threads(threads)
    with threadpool_limits(threads):
        header = [f"{threads} thread(s) per side; BLAS pools: {blas_pools()}",
                  f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
                  f"CPUs; median of {repeats} repeats"]
        rows = conv_rows(torch, repeats) + resize_rows(torch, repeats)
    lines = [f"## {threads} thread(s)", ""] + [f"- {h}" for h in header] + [""]
    lines += ["| workload | neurenix ms | PyTorch ms | ratio | notes |", "|---|---:|---:|---:|---|"]
    for name, ours, theirs, notes in rows:
        ratio = f"{ours / theirs:.2f}x" if theirs else "-"
        theirs_text = f"{theirs:.1f}" if theirs else "-"
        lines.append(f"| {name} | {ours:.1f} | {theirs_text} | {ratio} | {notes} |")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, nargs="+", default=[2])
    args = parser.parse_args()
    try:
        import torch
        torch_note = f"PyTorch {torch.__version__}"
    except ImportError:
        torch, torch_note = None, "PyTorch not installed: no ratios"
    unset = os.environ.get("NEURENIX_BENCH_UNSET")
    header = [f"NumPy {np.__version__}, {torch_note}",
              "re-executed without " + unset if unset else
              "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE were not set"]
    lines = ["# Kernel benchmark (benchmarks/bench_kernels.py)", ""] + [f"- {h}" for h in header]
    lines.append("")
    for threads in args.threads:
        lines += table(torch, threads, args.repeats)
    text = "\n".join(lines)
    print(text)
    (HERE / "results_kernels.md").write_text(text)


if __name__ == "__main__":
    main()

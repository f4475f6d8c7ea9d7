"""Kernel speed: im2col conv2d (and its Winograd path) and bilinear resizing, against PyTorch
and NumPy's own matmul.

Workloads (float32, NCHW):
- conv2d 3x3, stride 1, padding 1, N=8, 64 -> 64 channels, 64 x 64: the forward alone, and the
  forward plus the backward for the input and weight gradients, by the default path (im2col +
  GEMM) and by Winograd F(2x2, 3x3) (``neurenix.core.ops.winograd``, off by default). Reported
  as ms, GFLOP/s (of the direct algorithm's FLOPs), the ratio to PyTorch, and the fraction of
  the rate NumPy's matmul reaches in the same process on the forward's own GEMM (64 x 576 @ the
  576 x 32768 im2col matrix): the ceiling an im2col conv can approach.
- bilinear resizing (align_corners=False) of 8 x 64 x 64 x 64 to 32 x 32 and to 128 x 128:
  forward, and forward plus backward.

Each framework runs alone in its own process (``_sides.py``: in one process NumPy's and
PyTorch's thread pools spin against each other and distort both), the sides alternating for
``--rounds`` rounds; each figure is the median over rounds of a process's median of
``--repeats`` timings after a warm-up. Both sides run ``--threads`` threads (default 2):
``torch.set_num_threads`` and threadpoolctl's limit on NumPy's BLAS (the BLAS kernel and the
load average are printed). ``--threads 1 2`` runs both settings.

Run:  python benchmarks/bench_kernels.py [--repeats 7] [--rounds 3] [--threads 2]
Writes benchmarks/results_kernels.md next to this file.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from _env import blas_description, clean_blas_env  # noqa: E402
from _sides import alternate, load_average, report  # noqa: E402

clean_blas_env()  # before NumPy loads OpenBLAS: drops OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE

import numpy as np  # noqa: E402

N, C, O, SIZE, K = 8, 64, 64, 64, 3
FLOPS = 2 * N * O * C * K * K * SIZE * SIZE  # the forward; each gradient costs as much
CONV = f"conv2d 3x3 {N}x{C}x{SIZE}x{SIZE} -> {O}ch"


def median_ms(fn, repeats: int) -> float:
    """Median wall time in ms of ``fn`` after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def conv_arrays():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((N, C, SIZE, SIZE)).astype(np.float32),
            (rng.standard_normal((O, C, K, K)) * 0.05).astype(np.float32),
            rng.standard_normal(O).astype(np.float32),
            rng.standard_normal((N, O, SIZE, SIZE)).astype(np.float32))


def resize_arrays(out: int):
    return (np.random.default_rng(1).standard_normal((N, C, SIZE, SIZE)).astype(np.float32),
            np.random.default_rng(2).standard_normal((N, C, out, out)).astype(np.float32))


def measure_neurenix(repeats: int) -> dict:
    import neurenix as nx
    from neurenix.core.ops import winograd
    from neurenix.core.ops.conv import im2col
    x, w, b, g = conv_arrays()
    X, W, B, G = nx.tensor(x), nx.tensor(w), nx.tensor(b), nx.tensor(g)

    def backward():
        xs = [nx.tensor(a, requires_grad=True) for a in (x, w, b)]
        nx.conv2d(*xs, padding=1).backward(G)

    ms = {}
    for path, enabled in (("im2col", False), ("winograd", True)):
        winograd.ENABLED = enabled
        ms[f"{CONV}, forward, {path}"] = median_ms(lambda: nx.conv2d(X, W, B, padding=1),
                                                   repeats)
        ms[f"{CONV}, forward+backward, {path}"] = median_ms(backward, repeats)
    winograd.ENABLED = False
    # NumPy's own rate on the forward's GEMM: (O, C*K*K) @ the (C*K*K, N*H*W) im2col matrix
    cols = im2col(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), K, K, SIZE, SIZE, (1, 1),
                  (1, 1)).reshape(C * K * K, -1)
    a = w.reshape(O, -1)
    ms["numpy matmul"] = median_ms(lambda: a @ cols, repeats)
    for out in (32, 128):
        x, g = resize_arrays(out)
        X, G = nx.tensor(x), nx.tensor(g)

        def resize_backward():
            leaf = nx.tensor(x, requires_grad=True)
            nx.interpolate(leaf, size=(out, out), mode="bilinear",
                           align_corners=False).backward(G)

        ms[f"bilinear {N}x{C}x{SIZE}x{SIZE} -> {out}x{out}, forward"] = median_ms(
            lambda: nx.interpolate(X, size=(out, out), mode="bilinear", align_corners=False),
            repeats)
        ms[f"bilinear {N}x{C}x{SIZE}x{SIZE} -> {out}x{out}, forward+backward"] = median_ms(
            resize_backward, repeats)
    return ms


def measure_torch(repeats: int) -> dict:
    import torch
    F = torch.nn.functional
    x, w, b, g = (torch.from_numpy(a) for a in conv_arrays())

    def forward():
        with torch.no_grad():
            F.conv2d(x, w, b, padding=1)

    def backward():
        ts = [v.clone().requires_grad_() for v in (x, w, b)]
        F.conv2d(*ts, padding=1).backward(g)

    ms = {f"{CONV}, forward": median_ms(forward, repeats),
          f"{CONV}, forward+backward": median_ms(backward, repeats)}
    for out in (32, 128):
        x, g = (torch.from_numpy(a) for a in resize_arrays(out))

        def resize_forward():
            with torch.no_grad():
                F.interpolate(x, size=(out, out), mode="bilinear", align_corners=False)

        def resize_backward():
            leaf = x.clone().requires_grad_()
            F.interpolate(leaf, size=(out, out), mode="bilinear", align_corners=False).backward(g)

        ms[f"bilinear {N}x{C}x{SIZE}x{SIZE} -> {out}x{out}, forward"] = median_ms(
            resize_forward, repeats)
        ms[f"bilinear {N}x{C}x{SIZE}x{SIZE} -> {out}x{out}, forward+backward"] = median_ms(
            resize_backward, repeats)
    return ms


def measure(side: str, threads: int, repeats: int) -> None:
    """In a child process: one side's timings at ``threads`` threads."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(threads)
    if side == "torch":
        import torch
        torch.set_num_threads(threads)
        ms, version = measure_torch(repeats), f"PyTorch {torch.__version__}"
    else:
        import neurenix as nx
        ms, version = measure_neurenix(repeats), f"neurenix {nx.__version__}"
    report({"ms": ms, "version": version, "blas": blas_description()})


def table(threads: int, repeats: int, rounds: int) -> list:
    """The markdown lines of one run at ``threads`` threads per side."""
    load = load_average()
    results = alternate(__file__, ["--threads", str(threads), "--repeats", str(repeats)],
                        rounds)
    ours = {key: statistics.median(r["ms"][key] for r in results["neurenix"])
            for key in results["neurenix"][0]["ms"]}
    theirs = ({key: statistics.median(r["ms"][key] for r in results["torch"])
               for key in results["torch"][0]["ms"]} if "torch" in results else {})
    numpy_rate = FLOPS / ours.pop("numpy matmul") / 1e6
    lines = [f"## {threads} thread(s) per side", "",
             f"- {results['neurenix'][0]['version']}"
             + (f", {results['torch'][0]['version']}" if theirs else ", PyTorch not installed"),
             f"- BLAS: {results['neurenix'][0]['blas']}",
             f"- load average before the run: {load}; after: {load_average()}",
             f"- each side alone in its own process, {rounds} alternating rounds of "
             f"{repeats} repeats; medians", "",
             "| workload | neurenix ms | PyTorch ms | ratio | notes |", "|---|---:|---:|---:|---|"]
    for name, ms in ours.items():
        base = name.rsplit(", ", 1)[0] if name.startswith("conv2d") else name
        reference = theirs.get(base)
        notes = ""
        if name.startswith("conv2d"):
            rate = FLOPS * (3 if "backward" in name else 1) / ms / 1e6
            notes = (f"{rate:.1f} GFLOP/s = {rate / numpy_rate:.0%} of NumPy matmul "
                     f"({numpy_rate:.1f} GFLOP/s)")
        ratio = f"{ms / reference:.2f}x" if reference else "-"
        reference_text = f"{reference:.1f}" if reference else "-"
        lines.append(f"| {name} | {ms:.1f} | {reference_text} | {ratio} | {notes} |")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[2])
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        measure(args.side, args.threads[0], args.repeats)
        return
    lines = ["# Kernel benchmark (benchmarks/bench_kernels.py)", ""]
    for threads in args.threads:
        lines += table(threads, args.repeats, args.rounds)
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        (HERE / "results_kernels.md").write_text(text)


if __name__ == "__main__":
    main()

"""What every benchmark shares: a clean OpenBLAS environment and a report of the BLAS that ran.

Some machines export OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, which pin OpenBLAS to a generic
kernel and slow NumPy down. OpenBLAS reads them when it loads, so ``clean_blas_env()``, called
before NumPy is imported, drops them and restarts the benchmark's process once; the variables
stay untouched for the tests and CI. ``blas_description()`` then says which kernel ran.
"""
import os
import sys

PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def clean_blas_env() -> None:
    """Re-execute this process without the OpenBLAS pins (once), remembering what was unset."""
    if any(k in os.environ for k in PINS):
        os.environ["NEURENIX_BENCH_UNSET"] = ",".join(f"{k}={os.environ.pop(k)}" for k in PINS
                                                      if k in os.environ)
        os.execv(sys.executable, [sys.executable, *sys.argv])


def blas_description() -> str:
    """The BLAS libraries NumPy (and PyTorch, if loaded) use: version, kernel, threads."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl to see the BLAS kernel)"
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    described = "; ".join(f"{i.get('internal_api')} {i.get('version')}, kernel "
                          f"{i.get('architecture')}, {i.get('num_threads')} threads" for i in infos)
    unset = os.environ.get("NEURENIX_BENCH_UNSET")
    return (described or "no BLAS found by threadpoolctl") + (
        f" (ran with {unset.replace(',', ', ')} unset)" if unset else "")

"""A U-Net training step, neurenix against PyTorch: seconds per step and peak resident memory.

Two workloads:
- ``standard`` (the default): the classic 4-level U-Net ([64, 128, 256, 512]; two 3x3 conv +
  ReLU per level, 2x2 max-pool, a bottleneck of 1024, 2x2 transposed-conv up, skip
  concatenation, 1x1 head) written with ``nn`` layers, trained with BCE-with-logits and Adam at
  batch 2 on 3 x 64 x 64. The model code below is written once and built from ``neurenix.nn``
  and from ``torch.nn``, so both sides are the same network (the tutorial's too).
- ``tutorial``: the API document's ``neurenix.multiscale.UNet(3, 1, [64, 128, 256, 512])``
  (BatchNorm after each conv, sigmoid output, BCELoss, Adam) at batch 8, and the same
  architecture in PyTorch.

Each framework runs in a fresh subprocess, so its peak resident set size (ru_maxrss) is its
own: imports, weights, Adam state, activations and gradients. Both load the same initial
weights from one safetensors file written by neurenix. neurenix runs a third time inside
``nx.enable_gradient_checkpointing()``. PyTorch runs 2 intra-op threads; NumPy's BLAS as it
comes (printed). The step time is the median over ``--steps`` steps after one warm-up step.

Run:  python benchmarks/bench_training.py [--model standard|tutorial] [--steps 5]
Writes benchmarks/results_training_<model>.md next to this file.
"""
import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from _env import blas_description, clean_blas_env  # noqa: E402

clean_blas_env()

FEATURES = [64, 128, 256, 512]
SETTINGS = {"standard": dict(batch=2, size=64), "tutorial": dict(batch=8, size=64)}


def unet(nn, cat, max_pool2d, sigmoid, batch_norm: bool):
    """The U-Net in the ``nn`` namespace given (neurenix.nn or torch.nn), with the state-dict
    names of neurenix.multiscale.UNet. ``batch_norm`` puts BatchNorm (and bias-free convs)
    after each conv and a sigmoid on the output, as the tutorial's UNet; without it, this is the
    classic U-Net returning logits."""

    def conv_unit(c_in, c):
        if batch_norm:
            return [nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
        return [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU()]

    def block(c_in, c):
        return nn.Sequential(*conv_unit(c_in, c), *conv_unit(c, c))

    class UNetBench(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoders = nn.ModuleList([block(c_in, c) for c_in, c in
                                           zip([3] + FEATURES[:-1], FEATURES)])
            self.bottleneck = block(FEATURES[-1], 2 * FEATURES[-1])
            coming = [2 * FEATURES[-1]] + FEATURES[:0:-1]
            self.upsamples = nn.ModuleList([nn.ConvTranspose2d(c_in, c, 2, stride=2)
                                            for c_in, c in zip(coming, FEATURES[::-1])])
            self.decoders = nn.ModuleList([block(2 * c, c) for c in FEATURES[::-1]])
            self.head = nn.Conv2d(FEATURES[0], 1, 1)

        def forward(self, x):
            skips = []
            for i, encoder in enumerate(self.encoders):
                x = encoder(max_pool2d(x, 2) if i else x)
                skips.append(x)
            x = self.bottleneck(max_pool2d(x, 2))
            for up, decoder, skip in zip(self.upsamples, self.decoders, reversed(skips)):
                x = decoder(cat([skip, up(x)], 1))
            x = self.head(x)
            return sigmoid(x) if batch_norm else x

    return UNetBench()


def neurenix_model(model_name):
    import neurenix as nx
    if model_name == "tutorial":
        from neurenix.multiscale import UNet
        return UNet(3, 1, features=FEATURES), nx.nn.BCELoss()
    return (unet(nx.nn, nx.cat, nx.nn.functional.max_pool2d, nx.sigmoid, batch_norm=False),
            nx.nn.BCEWithLogitsLoss())


def data(batch, size):
    import numpy as np
    rng = np.random.default_rng(0)
    images = rng.standard_normal((batch, 3, size, size)).astype(np.float32)
    return images, (images[:, :1] > 0).astype(np.float32)


def worker(args) -> dict:
    """One framework's measurement, run in its own process."""
    images, masks = data(args.batch, args.size)
    if args.worker == "torch":
        import torch
        from safetensors.torch import load_file
        torch.set_num_threads(2)
        tutorial = args.model == "tutorial"
        model = unet(torch.nn, torch.cat, torch.nn.functional.max_pool2d, torch.sigmoid,
                     batch_norm=tutorial)
        criterion = torch.nn.BCELoss() if tutorial else torch.nn.BCEWithLogitsLoss()
        model.load_state_dict(load_file(args.weights))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = torch.tensor(images), torch.tensor(masks)
        context = None
    else:
        import neurenix as nx
        model, criterion = neurenix_model(args.model)
        model.load_state_dict(nx.load(args.weights))
        optimizer = nx.optim.Adam(model.parameters(), lr=1e-3)
        x, y = nx.Tensor(images), nx.Tensor(masks)
        context = nx.enable_gradient_checkpointing if args.worker == "neurenix-checkpointing" else None

    def step():
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    def timed_step():
        start = time.perf_counter()
        if context is None:
            loss = step()
        else:
            with context():
                loss = step()
        return loss, time.perf_counter() - start

    first_loss, _ = timed_step()
    times = [timed_step()[1] for _ in range(args.steps)]
    return {"first_loss": first_loss, "seconds": statistics.median(times),
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=sorted(SETTINGS), default="standard")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--size", type=int)
    ap.add_argument("--worker", choices=["neurenix", "neurenix-checkpointing", "torch"],
                    help=argparse.SUPPRESS)
    ap.add_argument("--weights", help=argparse.SUPPRESS)
    args = ap.parse_args()
    for key, value in SETTINGS[args.model].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.worker:
        print(json.dumps(worker(args)))
        return

    import neurenix as nx
    nx.manual_seed(0)
    model, _ = neurenix_model(args.model)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, "weights.safetensors")
        nx.save(model.state_dict(), weights)
        del model
        has_torch = importlib.util.find_spec("torch") is not None  # without loading it here
        sides = ["neurenix", "torch", "neurenix-checkpointing"] if has_torch else [
            "neurenix", "neurenix-checkpointing"]
        for side in sides:
            command = [sys.executable, __file__, "--worker", side, "--weights", weights,
                       "--model", args.model, "--steps", str(args.steps),
                       "--batch", str(args.batch), "--size", str(args.size)]
            run = subprocess.run(command, capture_output=True, text=True, check=True)
            results[side] = json.loads(run.stdout.strip().splitlines()[-1])

    title = (f"U-Net {FEATURES} ({args.model}), one training step (forward, loss, backward, "
             f"Adam) at batch {args.batch} x 3 x {args.size} x {args.size}")
    lines = [f"# {title}", "", f"- BLAS: {blas_description()}",
             f"- load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
             f"median of {args.steps} steps after a warm-up", "",
             "| run | s / step | ratio to PyTorch | peak RSS MiB | first loss |",
             "|---|---:|---:|---:|---:|"]
    torch_result = results.get("torch")
    for side, r in results.items():
        ratio = f"{r['seconds'] / torch_result['seconds']:.2f}x" if torch_result else "n/a"
        lines.append(f"| {side} | {r['seconds']:.3f} | {ratio} | {r['peak_mib']:.0f} | "
                     f"{r['first_loss']:.6f} |")
    if torch_result:
        lines.append("")
        lines.append(f"neurenix / PyTorch: step time {results['neurenix']['seconds'] / torch_result['seconds']:.2f}x, "
                     f"peak memory {results['neurenix']['peak_mib'] / torch_result['peak_mib']:.2f}x")
    lines.append(f"checkpointing: peak memory {results['neurenix-checkpointing']['peak_mib']:.0f} MiB "
                 f"vs {results['neurenix']['peak_mib']:.0f} MiB without "
                 f"({100 * (1 - results['neurenix-checkpointing']['peak_mib'] / results['neurenix']['peak_mib']):.0f}% lower)")
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / f"results_training_{args.model}.md").write_text(text)


if __name__ == "__main__":
    main()

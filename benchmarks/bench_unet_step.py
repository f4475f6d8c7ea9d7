"""One training step of the API document's U-Net: neurenix against PyTorch, same weights.

The workload is the segmentation tutorial's: ``UNet(3, 1, features=[64, 128, 256, 512])`` on a
batch of 8 RGB images of 64 x 64, BCELoss on the sigmoid output, Adam (lr 1e-3). The PyTorch
model is the same architecture with the same parameter names, loaded with neurenix's initial
weights, so the first losses agree (printed as a check) and both sides do the same arithmetic.
The figure is seconds per step (forward, backward, optimizer), the median over the timed steps
after one warm-up step.

Both frameworks use the same number of threads: NumPy's BLAS as it comes (all cores), and
``torch.set_num_threads`` set to match. Each framework is timed in its own child process: in one
process, the idle worker threads of one library's thread pool spin and slow the other down.

Run:  python benchmarks/bench_unet_step.py [--steps 3] [--batch 8] [--size 64] [--threads N]
"""
import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import neurenix as nx  # noqa: E402
from neurenix.multiscale import UNet  # noqa: E402

FEATURES = [64, 128, 256, 512]


def torch_unet(torch, in_channels: int, out_channels: int, features: list):
    """neurenix.multiscale.UNet written in PyTorch, with the same state-dict names. (A factory,
    so that this file imports torch only in the process that times it.)"""
    nn, F = torch.nn, torch.nn.functional

    def block(c_in, c):
        return nn.Sequential(nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c),
                             nn.ReLU(), nn.Conv2d(c, c, 3, padding=1, bias=False),
                             nn.BatchNorm2d(c), nn.ReLU())

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoders = nn.ModuleList([block(c_in, c) for c_in, c in
                                           zip([in_channels] + features[:-1], features)])
            self.bottleneck = block(features[-1], 2 * features[-1])
            coming = [2 * features[-1]] + features[:0:-1]
            self.upsamples = nn.ModuleList([nn.ConvTranspose2d(c_in, c, 2, stride=2)
                                            for c_in, c in zip(coming, features[::-1])])
            self.decoders = nn.ModuleList([block(2 * c, c) for c in features[::-1]])
            self.head = nn.Conv2d(features[0], out_channels, 1)

        def forward(self, x):
            skips = []
            for i, encoder in enumerate(self.encoders):
                x = encoder(F.max_pool2d(x, 2) if i else x)
                skips.append(x)
            x = self.bottleneck(F.max_pool2d(x, 2))
            for up, decoder, skip in zip(self.upsamples, self.decoders, reversed(skips)):
                x = decoder(torch.cat([skip, up(x)], dim=1))
            return torch.sigmoid(self.head(x))

    return Net()


def time_steps(step, steps: int) -> tuple:
    """(first loss, median seconds per step over ``steps`` steps after one warm-up step)."""
    first = step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return first, statistics.median(times)


def make_data(batch: int, size: int):
    rng = np.random.default_rng(0)
    images = rng.standard_normal((batch, 3, size, size)).astype(np.float32)
    return images, (images[:, :1] > 0).astype(np.float32)


def neurenix_step_fn(images, masks):
    nx.manual_seed(0)
    model = UNet(3, 1, features=FEATURES)
    criterion, optimizer = nx.nn.BCELoss(), nx.optim.Adam(model.parameters(), lr=1e-3)
    x, y = nx.Tensor(images), nx.Tensor(masks)

    def step():
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def torch_step_fn(images, masks):
    import torch

    torch.set_num_threads(max(info["num_threads"] for info in threadpool_info()))  # as BLAS
    nx.manual_seed(0)  # neurenix's initial weights, so both sides start from the same point
    weights = UNet(3, 1, features=FEATURES).state_dict()
    model = torch_unet(torch, 3, 1, FEATURES)
    model.load_state_dict({k: torch.tensor(v.numpy().copy()) for k, v in weights.items()})
    criterion = torch.nn.BCELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.tensor(images), torch.tensor(masks)

    def step():
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=None,
                    help="BLAS / intra-op threads for both sides (default: all cores)")
    ap.add_argument("--side", choices=["neurenix", "torch"], default=None,
                    help="time one framework in this process (used by the default run)")
    args = ap.parse_args()
    if args.side:
        with threadpool_limits(args.threads):
            images, masks = make_data(args.batch, args.size)
            make = neurenix_step_fn if args.side == "neurenix" else torch_step_fn
            loss, seconds = time_steps(make(images, masks), args.steps)
        print(f"{loss!r} {seconds!r}")
        return
    results = {}
    for side in ("neurenix", "torch"):
        run = subprocess.run([sys.executable, __file__, "--side", side, "--steps", str(args.steps),
                              "--batch", str(args.batch), "--size", str(args.size)]
                             + (["--threads", str(args.threads)] if args.threads else []),
                             capture_output=True, text=True, check=True)
        results[side] = [float(v) for v in run.stdout.split()[-2:]]
    (ours_loss, ours), (theirs_loss, theirs) = results["neurenix"], results["torch"]
    threads = args.threads or max(info["num_threads"] for info in threadpool_info())
    print(f"U-Net {FEATURES}, batch {args.batch} x 3 x {args.size} x {args.size}, BCELoss, Adam; "
          f"{threads} threads each; {platform.processor() or platform.machine()}")
    print(f"first-step loss: neurenix {ours_loss:.6f}, PyTorch {theirs_loss:.6f}")
    print(f"neurenix {ours:7.3f} s/step")
    print(f"PyTorch  {theirs:7.3f} s/step   (neurenix / PyTorch = {ours / theirs:.1f}x)")


if __name__ == "__main__":
    main()

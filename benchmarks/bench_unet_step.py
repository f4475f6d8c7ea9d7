"""One training step of the API document's U-Net: neurenix against PyTorch, same weights.

The workload is the segmentation tutorial's: ``UNet(3, 1, features=[64, 128, 256, 512])`` on a
batch of 8 RGB images of 64 x 64, BCELoss on the sigmoid output, Adam (lr 1e-3). The PyTorch
model is the same architecture with the same parameter names, loaded with neurenix's initial
weights, so the first losses agree (printed as a check) and both sides do the same arithmetic.
The figure is seconds per step (forward, backward, optimizer), the median over the timed steps
after one warm-up step.

Both frameworks use the same number of threads: NumPy's BLAS as it comes (all cores), and
``torch.set_num_threads`` set to match.

Run:  python benchmarks/bench_unet_step.py [--steps 3] [--batch 8] [--size 64]
"""
import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_info

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import neurenix as nx  # noqa: E402
from neurenix.multiscale import UNet  # noqa: E402

FEATURES = [64, 128, 256, 512]


class TorchUNet(torch.nn.Module):
    """neurenix.multiscale.UNet written in PyTorch, with the same state-dict names."""

    def __init__(self, in_channels: int, out_channels: int, features: list):
        super().__init__()
        nn = torch.nn

        def block(c_in, c):
            return nn.Sequential(nn.Conv2d(c_in, c, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(c), nn.ReLU(),
                                 nn.Conv2d(c, c, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(c), nn.ReLU())

        self.encoders = nn.ModuleList([block(c_in, c) for c_in, c in
                                       zip([in_channels] + features[:-1], features)])
        self.bottleneck = block(features[-1], 2 * features[-1])
        coming = [2 * features[-1]] + features[:0:-1]
        self.upsamples = nn.ModuleList([nn.ConvTranspose2d(c_in, c, 2, stride=2)
                                        for c_in, c in zip(coming, features[::-1])])
        self.decoders = nn.ModuleList([block(2 * c, c) for c in features[::-1]])
        self.head = nn.Conv2d(features[0], out_channels, 1)

    def forward(self, x):
        F = torch.nn.functional
        skips = []
        for i, encoder in enumerate(self.encoders):
            x = encoder(F.max_pool2d(x, 2) if i else x)
            skips.append(x)
        x = self.bottleneck(F.max_pool2d(x, 2))
        for up, decoder, skip in zip(self.upsamples, self.decoders, reversed(skips)):
            x = decoder(torch.cat([skip, up(x)], dim=1))
        return torch.sigmoid(self.head(x))


def time_steps(step, steps: int) -> tuple:
    """(first loss, median seconds per step over ``steps`` steps after one warm-up step)."""
    first = step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return first, statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=64)
    args = ap.parse_args()

    blas_threads = max(info["num_threads"] for info in threadpool_info())
    torch.set_num_threads(blas_threads)
    rng = np.random.default_rng(0)
    images = rng.standard_normal((args.batch, 3, args.size, args.size)).astype(np.float32)
    masks = (images[:, :1] > 0).astype(np.float32)

    nx.manual_seed(0)
    model = UNet(3, 1, features=FEATURES)
    reference = TorchUNet(3, 1, FEATURES)
    reference.load_state_dict({k: torch.tensor(v.numpy().copy())
                               for k, v in model.state_dict().items()})

    criterion, optimizer = nx.nn.BCELoss(), nx.optim.Adam(model.parameters(), lr=1e-3)
    x, y = nx.Tensor(images), nx.Tensor(masks)

    def neurenix_step():
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    t_criterion = torch.nn.BCELoss()
    t_optimizer = torch.optim.Adam(reference.parameters(), lr=1e-3)
    tx, ty = torch.tensor(images), torch.tensor(masks)

    def torch_step():
        loss = t_criterion(reference(tx), ty)
        t_optimizer.zero_grad()
        loss.backward()
        t_optimizer.step()
        return loss.item()

    ours_loss, ours = time_steps(neurenix_step, args.steps)
    theirs_loss, theirs = time_steps(torch_step, args.steps)
    print(f"U-Net {FEATURES}, batch {args.batch} x 3 x {args.size} x {args.size}, BCELoss, Adam; "
          f"{blas_threads} threads each; {platform.processor() or platform.machine()}")
    print(f"first-step loss: neurenix {ours_loss:.6f}, PyTorch {theirs_loss:.6f}")
    print(f"neurenix {ours:7.3f} s/step")
    print(f"PyTorch  {theirs:7.3f} s/step   (neurenix / PyTorch = {ours / theirs:.1f}x)")


if __name__ == "__main__":
    main()

"""A U-Net training step, neurenix against PyTorch: seconds per step and peak resident memory.

Three workloads:
- ``standard`` (the default): the classic 4-level U-Net ([64, 128, 256, 512]; two 3x3 conv +
  ReLU per level, 2x2 max-pool, a bottleneck of 1024, 2x2 transposed-conv up, skip
  concatenation, 1x1 head) written with ``nn`` layers, trained with BCE-with-logits and Adam at
  batch 2 on 3 x 64 x 64. The model code below is written once and built from ``neurenix.nn``
  and from ``torch.nn``, so both sides are the same network (the other workloads' too).
- ``tutorial``: the API document's ``neurenix.multiscale.UNet(3, 1, [64, 128, 256, 512])``
  (BatchNorm after each conv, sigmoid output, BCELoss, Adam) at batch 8, and the same
  architecture in PyTorch.
- ``demo``: the same BatchNorm U-Net at demo size, features [16, 32, 64], batch 16, 32 x 32.

Each framework runs alone in its own process (``_sides.py``: in one process the two thread
pools spin against each other), the sides alternating for ``--rounds`` rounds; each figure is
the median over rounds of each process's median step after a warm-up. A process's peak
resident set size (ru_maxrss) is its own: imports, weights, Adam state, activations and
gradients. Both sides load the same initial weights from one safetensors file written by
neurenix. neurenix runs a third time inside ``nx.enable_gradient_checkpointing()``. Both sides
run ``--threads`` threads (default 2): ``torch.set_num_threads`` and threadpoolctl's limit on
NumPy's BLAS; the BLAS kernel and the load average are printed with the table.

Run:  python benchmarks/bench_training.py [--model standard|tutorial|demo] [--steps 5]
      [--rounds 3] [--threads 2]
Writes benchmarks/results_training_<model>.md next to this file.
"""
import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from _env import blas_description, clean_blas_env  # noqa: E402
from _sides import alternate, load_average, median, report  # noqa: E402

clean_blas_env()

FEATURES = [64, 128, 256, 512]
SETTINGS = {"standard": dict(batch=2, size=64, features=FEATURES, batch_norm=False),
            "tutorial": dict(batch=8, size=64, features=FEATURES, batch_norm=True),
            "demo": dict(batch=16, size=32, features=[16, 32, 64], batch_norm=True)}
SIDES = ("neurenix", "torch", "neurenix-checkpointing")


def unet(nn, cat, max_pool2d, sigmoid, batch_norm: bool, features=FEATURES):
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
                                           zip([3] + features[:-1], features)])
            self.bottleneck = block(features[-1], 2 * features[-1])
            coming = [2 * features[-1]] + features[:0:-1]
            self.upsamples = nn.ModuleList([nn.ConvTranspose2d(c_in, c, 2, stride=2)
                                            for c_in, c in zip(coming, features[::-1])])
            self.decoders = nn.ModuleList([block(2 * c, c) for c in features[::-1]])
            self.head = nn.Conv2d(features[0], 1, 1)

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


def neurenix_model(setting: dict):
    import neurenix as nx
    if setting["batch_norm"]:
        from neurenix.multiscale import UNet
        return UNet(3, 1, features=setting["features"]), nx.nn.BCELoss()
    return (unet(nx.nn, nx.cat, nx.nn.functional.max_pool2d, nx.sigmoid, batch_norm=False),
            nx.nn.BCEWithLogitsLoss())


def data(batch, size):
    import numpy as np
    rng = np.random.default_rng(0)
    images = rng.standard_normal((batch, 3, size, size)).astype(np.float32)
    return images, (images[:, :1] > 0).astype(np.float32)


def measure(side: str, args) -> None:
    """In a child process: one side's median step and peak memory."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(args.threads)
    setting = SETTINGS[args.model]
    images, masks = data(setting["batch"], setting["size"])
    context = None
    if side == "torch":
        import torch
        from safetensors.torch import load_file
        torch.set_num_threads(args.threads)
        model = unet(torch.nn, torch.cat, torch.nn.functional.max_pool2d, torch.sigmoid,
                     setting["batch_norm"], setting["features"])
        criterion = torch.nn.BCELoss() if setting["batch_norm"] else torch.nn.BCEWithLogitsLoss()
        model.load_state_dict(load_file(args.weights))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = torch.tensor(images), torch.tensor(masks)
        version = torch.__version__
    else:
        import neurenix as nx
        model, criterion = neurenix_model(setting)
        model.load_state_dict(nx.load(args.weights))
        optimizer = nx.optim.Adam(model.parameters(), lr=1e-3)
        x, y = nx.Tensor(images), nx.Tensor(masks)
        if side == "neurenix-checkpointing":
            context = nx.enable_gradient_checkpointing
        version = nx.__version__

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
    report({"first_loss": first_loss, "seconds": statistics.median(times),
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "version": version, "blas": blas_description()})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=sorted(SETTINGS), default="standard")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--side", help=argparse.SUPPRESS)
    ap.add_argument("--weights", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        measure(args.side, args)
        return

    import neurenix as nx
    setting = SETTINGS[args.model]
    nx.manual_seed(0)
    model, _ = neurenix_model(setting)
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, "weights.safetensors")
        nx.save(model.state_dict(), weights)
        del model
        load = load_average()
        results = alternate(__file__, ["--model", args.model, "--steps", str(args.steps),
                                       "--threads", str(args.threads), "--weights", weights],
                            args.rounds, sides=SIDES)

    title = (f"U-Net {setting['features']} ({args.model}), one training step (forward, loss, "
             f"backward, Adam) at batch {setting['batch']} x 3 x {setting['size']} x "
             f"{setting['size']}")
    lines = [f"# {title}", "",
             f"Each framework alone in its own process, {args.threads} threads each, "
             f"{args.rounds} alternating rounds; per process the median of {args.steps} steps "
             "after a warm-up, then the median over rounds. Peak memory: the process's peak "
             "resident set size.", "",
             f"- BLAS: {results['neurenix'][0]['blas']}",
             f"- load average before the run: {load}",
             f"- load average after the run: {load_average()}", "",
             "| run | s / step | ratio to PyTorch | peak RSS MiB | ratio to PyTorch | first loss |",
             "|---|---:|---:|---:|---:|---:|"]
    theirs = results.get("torch")
    for side, rounds in results.items():
        seconds, peak = median(rounds, "seconds"), median(rounds, "peak_mib")
        time_ratio = f"{seconds / median(theirs, 'seconds'):.2f}x" if theirs else "n/a"
        peak_ratio = f"{peak / median(theirs, 'peak_mib'):.2f}x" if theirs else "n/a"
        lines.append(f"| {side} {rounds[0]['version']} | {seconds:.3f} | {time_ratio} | "
                     f"{peak:.0f} | {peak_ratio} | {rounds[0]['first_loss']:.6f} |")
    if "neurenix-checkpointing" in results:
        plain, saved = results["neurenix"], results["neurenix-checkpointing"]
        lines += ["", f"checkpointing: {median(saved, 'seconds') / median(plain, 'seconds'):.2f}x "
                  f"the step time, {median(saved, 'peak_mib') / median(plain, 'peak_mib'):.2f}x "
                  "the peak memory of the step without it"]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        (HERE / f"results_training_{args.model}.md").write_text(text)


if __name__ == "__main__":
    main()

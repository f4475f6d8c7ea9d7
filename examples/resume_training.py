"""Resuming the tutorial's U-Net training from a checkpoint file, exactly where it stopped.

A long run gets interrupted: a preempted job, a crash, a closed laptop. Resuming it takes more
than the weights: Adam's moment estimates and step counts, the scheduler's position, the epoch,
and the state of neurenix's random generator (which shuffles the batches). ``nx.save`` puts all
of it in one safetensors file (no pickle), and ``nx.load`` gives it back.

This script trains a small U-Net (BCELoss, Adam, a StepLR schedule) on synthetic shapes three
times over: once for 4 epochs without a break; once for 2 epochs, saving a checkpoint; and once
more as a new process would, from fresh objects with other initial weights, loading the
checkpoint and training the last 2 epochs. The last run must end with exactly, bit for bit, the
weights of the first.

Run:  python examples/resume_training.py      (a few seconds; writes unet_checkpoint.nx)
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import neurenix as nx  # noqa: E402
from neurenix.data import DataLoader, TensorDataset  # noqa: E402
from neurenix.demo.shapes import make_shapes  # noqa: E402
from neurenix.multiscale import UNet  # noqa: E402
from neurenix.nn import BCELoss  # noqa: E402
from neurenix.optim import Adam  # noqa: E402
from neurenix.optim.lr_scheduler import StepLR  # noqa: E402

EPOCHS, INTERRUPTED_AFTER = 4, 2
CHECKPOINT = "unet_checkpoint.nx"

images, masks, _ = make_shapes(16, size=16, seed=1)
train_dataset = TensorDataset(nx.Tensor(images), nx.Tensor(masks))


def new_run(seed: int):
    """A fresh model, optimizer and scheduler, as a new process builds them."""
    nx.manual_seed(seed)
    model = UNet(in_channels=3, out_channels=1, features=[4, 8])
    optimizer = Adam(model.parameters(), lr=0.01)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    return model, optimizer, scheduler


def train(model, optimizer, scheduler, epochs: range) -> None:
    criterion = BCELoss()
    train_loader = DataLoader(train_dataset, batch_size=4, shuffle=True)  # neurenix's generator
    for epoch in epochs:
        for images, masks in train_loader:
            loss = criterion(model(images), masks)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
        print(f"  epoch {epoch + 1}/{EPOCHS}  loss {loss.item():.4f}  "
              f"next lr {scheduler.get_last_lr()[0]:g}")


print("a run without a break:")
model, optimizer, scheduler = new_run(seed=0)
train(model, optimizer, scheduler, range(EPOCHS))
expected = {key: value.numpy().copy() for key, value in model.state_dict().items()}

print(f"the same run, stopped after {INTERRUPTED_AFTER} epochs:")
model, optimizer, scheduler = new_run(seed=0)
train(model, optimizer, scheduler, range(INTERRUPTED_AFTER))
nx.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
         "scheduler": scheduler.state_dict(), "rng": nx.get_rng_state(),
         "epoch": INTERRUPTED_AFTER}, CHECKPOINT)

print(f"resumed from {CHECKPOINT} with fresh objects:")
model, optimizer, scheduler = new_run(seed=1)  # other initial weights, a fresh Adam
checkpoint = nx.load(CHECKPOINT)
model.load_state_dict(checkpoint["model"])
optimizer.load_state_dict(checkpoint["optimizer"])
scheduler.load_state_dict(checkpoint["scheduler"])
nx.set_rng_state(checkpoint["rng"])  # the next epochs shuffle as the first run's did
train(model, optimizer, scheduler, range(checkpoint["epoch"], EPOCHS))

same = all(np.array_equal(value.numpy(), expected[key])
           for key, value in model.state_dict().items())
print(f"resumed weights identical to the run without a break: {same}")
sys.exit(0 if same else 1)

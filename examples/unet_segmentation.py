"""Image segmentation with U-Net: the tutorial of the multi-scale API document, runnable.

The tutorial assumes a segmentation data set; this script builds a small synthetic one: RGB
images of 64 x 64 pixels holding a few random discs and rectangles over a noisy, tinted
background, whose masks mark the pixels covered by a shape. The tutorial's code then runs as
written (U-Net [64, 128, 256, 512], BCELoss, Adam, batch 8, 10 epochs), and the script finishes
by measuring the intersection over union of the predicted masks on held-out images and checking
that the saved model loads back with identical outputs.

Run:  python examples/unet_segmentation.py      (a couple of minutes on two CPU cores)
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import neurenix as nx  # noqa: E402
from neurenix.data import TensorDataset  # noqa: E402

SIZE, N_TRAIN, N_TEST = 64, 16, 8


def make_shapes(n: int, seed: int):
    """``n`` images (n, 3, SIZE, SIZE) and their masks (n, 1, SIZE, SIZE), as float32 arrays."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    images = np.empty((n, 3, SIZE, SIZE), np.float32)
    masks = np.zeros((n, 1, SIZE, SIZE), np.float32)
    for i in range(n):
        background = rng.uniform(-0.5, 0.5, size=(3, 1, 1))
        image = background + 0.3 * rng.standard_normal((3, SIZE, SIZE))
        for _ in range(rng.integers(1, 4)):
            r, c = rng.integers(8, SIZE - 8, size=2)
            if rng.random() < 0.5:
                radius = rng.integers(4, 12)
                inside = (rows - r) ** 2 + (cols - c) ** 2 <= radius ** 2
            else:
                h, w = rng.integers(4, 12, size=2)
                inside = (abs(rows - r) <= h) & (abs(cols - c) <= w)
            image[:, inside] = rng.uniform(0.8, 1.5, size=(3, 1))  # a bright colour
            masks[i, 0, inside] = 1.0
        images[i] = image
    return images, masks


nx.manual_seed(0)
train_images, train_masks = make_shapes(N_TRAIN, seed=1)
train_dataset = TensorDataset(nx.Tensor(train_images), nx.Tensor(train_masks))
start = time.perf_counter()

# ----- the tutorial, as the document writes it -------------------------------------------------
from neurenix.multiscale import UNet  # noqa: E402
from neurenix.nn import BCELoss  # noqa: E402
from neurenix.optim import Adam  # noqa: E402
from neurenix.data import DataLoader  # noqa: E402

# Create a U-Net model for segmentation
model = UNet(
    in_channels=3,
    out_channels=1,
    features=[64, 128, 256, 512]
)

# Define loss function and optimizer
criterion = BCELoss()
optimizer = Adam(model.parameters(), lr=0.001)

# Assume we have a DataLoader for segmentation data
train_loader = DataLoader(train_dataset, batch_size=8, shuffle=True)

# Training loop
num_epochs = 10
for epoch in range(num_epochs):
    for batch_idx, (images, masks) in enumerate(train_loader):
        # Forward pass
        outputs = model(images)
        loss = criterion(outputs, masks)

        # Backward pass and optimize
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if batch_idx % 10 == 0:
            print(f"Epoch {epoch+1}/{num_epochs}, Batch {batch_idx}, Loss: {loss.item():.4f}")

# Save the trained model
nx.save(model, "unet_segmentation_model.nx")
# ----- end of the tutorial ---------------------------------------------------------------------

print(f"trained in {time.perf_counter() - start:.1f} s")
test_images, test_masks = make_shapes(N_TEST, seed=2)
model.eval()
with nx.no_grad():
    predicted = model(nx.Tensor(test_images)).numpy() > 0.5
truth = test_masks > 0.5
iou = (predicted & truth).sum() / max((predicted | truth).sum(), 1)
print(f"held-out intersection over union: {iou:.3f} "
      f"(predicting every pixel as shape would give {truth.mean():.3f})")

loaded = nx.load("unet_segmentation_model.nx")
loaded.eval()
x = nx.Tensor(test_images[:2])
with nx.no_grad():
    same = np.array_equal(model(x).numpy(), loaded(x).numpy())
print(f"reloaded unet_segmentation_model.nx: outputs identical = {same}")

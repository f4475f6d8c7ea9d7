"""A synthetic segmentation set made inside neurenix: nothing is downloaded.

Each image shows one shape (a disc, a square or a ring) of random size and position on a noisy
background with a smooth brightness gradient; the mask marks the shape's pixels. The three
colour channels carry the shape with different contrasts, so the network has to combine them.
"""
import numpy as np

SHAPES = ("disc", "square", "ring")


def make_shapes(n: int, size: int = 32, seed: int = 0, noise: float = 0.35):
    """``n`` images and masks.

    Args:
        n: number of examples.  size: image side (pixels).  seed: makes the set reproducible.
        noise: standard deviation of the Gaussian pixel noise.

    Returns:
        images: float32 array (n, 3, size, size); masks: float32 array (n, 1, size, size) of 0/1;
        kinds: int array (n,) indexing SHAPES.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    images = np.empty((n, 3, size, size), np.float32)
    masks = np.empty((n, 1, size, size), np.float32)
    kinds = rng.integers(0, len(SHAPES), size=n)
    for i in range(n):
        radius = rng.uniform(0.12, 0.3) * size
        cy, cx = rng.uniform(radius, size - radius, size=2)
        dy, dx = yy - cy, xx - cx
        if SHAPES[kinds[i]] == "disc":
            mask = dy * dy + dx * dx <= radius * radius
        elif SHAPES[kinds[i]] == "square":
            mask = (np.abs(dy) <= radius * 0.85) & (np.abs(dx) <= radius * 0.85)
        else:
            r = np.sqrt(dy * dy + dx * dx)
            mask = (r <= radius) & (r >= radius * 0.55)
        angle = rng.uniform(0, 2 * np.pi)
        ramp = (np.cos(angle) * xx + np.sin(angle) * yy) / size - 0.5
        contrast = rng.uniform(0.6, 1.2, size=3) * rng.choice([-1.0, 1.0])
        background = rng.uniform(-0.3, 0.3, size=3)
        for c in range(3):
            images[i, c] = background[c] + 0.8 * ramp + contrast[c] * mask
        images[i] += rng.normal(0, noise, size=(3, size, size)).astype(np.float32)
        masks[i, 0] = mask
    return images, masks, kinds

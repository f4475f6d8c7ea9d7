"""A synthetic segmentation set made inside neurenix: nothing is downloaded.

Each image shows one shape (a disc, a square or a ring) of random size and position on a noisy
background with a smooth brightness gradient; the mask marks the shape's pixels. The three
colour channels carry the shape with different contrasts, so the network has to combine them.
``make_scene`` draws one large image of many such shapes, of the same sizes in pixels, for
models trained on the small images to segment window by window.
"""
import numpy as np

SHAPES = ("disc", "square", "ring")


def _shape_mask(kind: str, dy: np.ndarray, dx: np.ndarray, radius: float) -> np.ndarray:
    """The pixels of a shape of ``radius`` whose centre is (dy, dx) away from each pixel."""
    if kind == "disc":
        return dy * dy + dx * dx <= radius * radius
    if kind == "square":
        return (np.abs(dy) <= radius * 0.85) & (np.abs(dx) <= radius * 0.85)
    r = np.sqrt(dy * dy + dx * dx)
    return (r <= radius) & (r >= radius * 0.55)


def _contrast(rng) -> np.ndarray:
    """Per-channel contrast of a shape: all three brighter, or all darker, than around it."""
    return rng.uniform(0.6, 1.2, size=3) * rng.choice([-1.0, 1.0])


def _ramp(rng, yy: np.ndarray, xx: np.ndarray, size: int) -> np.ndarray:
    """A brightness gradient in a random direction, from about -0.5 to 0.5 across ``size``."""
    angle = rng.uniform(0, 2 * np.pi)
    return (np.cos(angle) * xx + np.sin(angle) * yy) / size - 0.5


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
        mask = _shape_mask(SHAPES[kinds[i]], yy - cy, xx - cx, radius)
        ramp = _ramp(rng, yy, xx, size)
        contrast = _contrast(rng)
        background = rng.uniform(-0.3, 0.3, size=3)
        for c in range(3):
            images[i, c] = background[c] + 0.8 * ramp + contrast[c] * mask
        images[i] += rng.normal(0, noise, size=(3, size, size)).astype(np.float32)
        masks[i, 0] = mask
    return images, masks, kinds


def make_scene(size: int = 1024, seed: int = 0, cell: int = 40, shape_size: int = 32,
               fill: float = 0.75, noise: float = 0.35):
    """One large image of many shapes, and its mask.

    The image is cut into ``cell`` x ``cell`` cells; each holds, with probability ``fill``, one
    shape (kind, contrast and sign drawn as in ``make_shapes``) whose radius is drawn as for a
    ``shape_size`` image, so the shapes have the pixel sizes a model trained on
    ``make_shapes(size=shape_size)`` knows. Shapes never overlap. The background has one
    gentle brightness gradient across the whole scene and the same noise as ``make_shapes``.

    Returns:
        image: float32 array (3, size, size); mask: float32 array (1, size, size) of 0/1;
        count: the number of shapes drawn.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    background = rng.uniform(-0.3, 0.3, size=3).astype(np.float32)
    image = background[:, None, None] + 0.8 * _ramp(rng, yy, xx, size)[None]
    mask = np.zeros((1, size, size), np.float32)
    count = 0
    for top in range(0, size - cell + 1, cell):
        for left in range(0, size - cell + 1, cell):
            if rng.uniform() >= fill:
                continue
            kind = SHAPES[rng.integers(0, len(SHAPES))]
            radius = rng.uniform(0.12, 0.3) * shape_size
            cy = top + rng.uniform(radius, cell - radius)
            cx = left + rng.uniform(radius, cell - radius)
            region = (slice(top, top + cell), slice(left, left + cell))  # the shape stays inside
            shape = _shape_mask(kind, yy[region] - cy, xx[region] - cx, radius)
            image[(slice(None),) + region] += _contrast(rng)[:, None, None] * shape
            mask[0][region] = shape
            count += 1
    image += rng.normal(0, noise, size=image.shape).astype(np.float32)
    return image.astype(np.float32), mask, count

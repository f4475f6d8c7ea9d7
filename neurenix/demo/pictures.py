"""The demo's pictures (PNG, drawn with matplotlib when it is installed)."""
import importlib.util

import numpy as np

EXTRA_HINT = 'pip install "neurenix[examples]"  (or, in a clone: pip install ".[examples]")'


def _pyplot():
    """matplotlib.pyplot drawing to files, or None (after saying how to get it) if missing."""
    if importlib.util.find_spec("matplotlib") is None:
        print(f"matplotlib is not installed, so no picture was drawn; to get it: {EXTRA_HINT}")
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _rgb(image: np.ndarray) -> np.ndarray:
    """A (3, H, W) image as (H, W, 3) in [0, 1] for imshow."""
    rgb = image.transpose(1, 2, 0)
    return (rgb - rgb.min()) / max(float(rgb.max() - rgb.min()), 1e-6)


def _show(ax, picture, title: str = None, **kwargs) -> None:
    ax.imshow(picture, **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)


def save_pictures(path, images, truth, pred, attention=None, count: int = 6) -> bool:
    """Input, truth and prediction of ``count`` test images side by side, and below them the
    attention gates' maps (``attention``: arrays (n, 1, H_i, W_i), finest first), as a PNG.
    Returns False when matplotlib is missing."""
    plt = _pyplot()
    if plt is None:
        return False
    attention = attention or []
    titles = ["input", "truth", "prediction"] + [f"attention 1/{2 ** i}"
                                                  for i in range(len(attention))]
    masks, maps = dict(cmap="gray", vmin=0, vmax=1), dict(cmap="magma", vmin=0, vmax=1)
    colours = [{}, masks, masks] + [maps] * len(attention)
    count = min(count, len(images))
    fig, axes = plt.subplots(len(titles), count, figsize=(1.8 * count, 1.85 * len(titles)),
                             squeeze=False)
    for j in range(count):
        pictures = [_rgb(images[j]), truth[j, 0], pred[j, 0]] + [m[j, 0] for m in attention]
        for row, picture in enumerate(pictures):
            _show(axes[row, j], picture, **colours[row])
            if j == 0:
                axes[row, j].set_ylabel(titles[row])
    fig.suptitle("neurenix attention U-Net on held-out synthetic shapes")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def save_scene(path, scene: dict, zoom: int = 256) -> bool:
    """A scene segmented in sliding windows (``segment_scene``'s result): input, truth and
    prediction of the whole scene above a ``zoom`` x ``zoom`` crop of each from its centre, as
    a PNG; errors are coloured in the prediction (red: false positive, blue: missed). Returns False when
    matplotlib is missing."""
    plt = _pyplot()
    if plt is None:
        return False
    image, truth, pred = scene["image"], scene["mask"][0], scene["pred"][0]
    errors = np.stack([pred, pred, pred], axis=-1)
    errors[(pred == 1) & (truth == 0)] = (1.0, 0.2, 0.2)
    errors[(pred == 0) & (truth == 1)] = (0.2, 0.4, 1.0)
    size = truth.shape[0]
    crop = (slice((size - zoom) // 2, (size + zoom) // 2),) * 2
    fig, axes = plt.subplots(2, 3, figsize=(13.5, 9.4))
    for row, where in enumerate([(slice(None), slice(None)), crop]):
        label = f"{size} x {size}" if row == 0 else f"centre {zoom} x {zoom}"
        _show(axes[row, 0], _rgb(image[(slice(None),) + where]), f"input, {label}")
        _show(axes[row, 1], truth[where], f"truth, {label}", cmap="gray", vmin=0, vmax=1)
        _show(axes[row, 2], errors[where], f"prediction, {label}")
    fig.suptitle(f"{scene['shapes']} shapes segmented in {scene['windows']} sliding windows by a "
                 f"U-Net trained on 32 x 32 images: IoU {scene['iou']:.3f}, "
                 f"{scene['seconds']:.1f} s\n(prediction errors in colour: red false positive, "
                 f"blue missed)")
    fig.tight_layout(h_pad=2.0)
    fig.savefig(path, dpi=80)   # the noisy input compresses badly: keep the file under 1 MB
    plt.close(fig)
    return True

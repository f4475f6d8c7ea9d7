"""Command line of the demo: ``python -m neurenix.demo [--task segmentation|digits] ...``."""
import argparse
import importlib.util
import pathlib
import sys
import time

import neurenix as nx

from . import tasks

_EXTRA_HINT = ('pip install "neurenix[examples]"  (or, in a clone: pip install ".[examples]")')

DEFAULTS = {  # per task: epochs, batch size, learning rate
    "segmentation": dict(epochs=6, batch_size=16, lr=3e-3),
    "digits": dict(epochs=12, batch_size=32, lr=3e-3),
}


def parse_args(argv=None) -> argparse.Namespace:
    """The demo's options from ``argv`` (sys.argv when None), with the task's defaults filled in."""
    parser = argparse.ArgumentParser(
        prog="python -m neurenix.demo",
        description="Train a neurenix model on a built-in data set and show what it learned.")
    parser.add_argument("--task", choices=sorted(DEFAULTS), default="segmentation",
                        help="segmentation: a U-Net on synthetic shapes (default); digits: "
                             "PyramidNetwork + FeatureFusion on scikit-learn's 8x8 digits")
    parser.add_argument("--epochs", type=int, help="training epochs (default: 6 segmentation, "
                        "12 digits)")
    parser.add_argument("--image-size", type=int, default=32,
                        help="side of the synthetic images in pixels (segmentation; default 32)")
    parser.add_argument("--train", type=int, default=768, help="training images (segmentation)")
    parser.add_argument("--test", type=int, default=192, help="held-out images (segmentation)")
    parser.add_argument("--batch-size", type=int, help="batch size (default 16 / 32)")
    parser.add_argument("--lr", type=float, help="Adam learning rate (default 3e-3)")
    parser.add_argument("--output", default="demo_output",
                        help="folder for the saved model and demo_predictions.png "
                             "(default ./demo_output)")
    parser.add_argument("--seed", type=int, default=0, help="seed of data and model (default 0)")
    args = parser.parse_args(argv)
    for key, value in DEFAULTS[args.task].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def save_pictures(path, images, truth, pred, count: int = 6) -> bool:
    """Input, truth and prediction of ``count`` test images side by side, as a PNG. Returns
    False (and says how to get matplotlib) when matplotlib is missing."""
    if importlib.util.find_spec("matplotlib") is None:
        print(f"matplotlib is not installed, so no picture was drawn; to get it: {_EXTRA_HINT}")
        return False
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = min(count, len(images))
    fig, axes = plt.subplots(3, count, figsize=(1.8 * count, 5.6), squeeze=False)
    for j in range(count):
        rgb = images[j].transpose(1, 2, 0)
        rgb = (rgb - rgb.min()) / max(float(rgb.max() - rgb.min()), 1e-6)
        for row, (title, picture) in enumerate([("input", rgb), ("truth", truth[j, 0]),
                                                ("prediction", pred[j, 0])]):
            axes[row, j].imshow(picture, cmap=None if row == 0 else "gray", vmin=0, vmax=1)
            axes[row, j].set_xticks([])
            axes[row, j].set_yticks([])
            if j == 0:
                axes[row, j].set_ylabel(title)
    fig.suptitle("neurenix U-Net on held-out synthetic shapes")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def main(argv=None) -> int:
    """Run the demo; returns the process exit status (0 on success)."""
    args = parse_args(argv)
    nx.manual_seed(args.seed)
    out = pathlib.Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if args.task == "digits":
        if importlib.util.find_spec("sklearn") is None:
            print(f"--task digits needs scikit-learn's bundled digits; to get it: {_EXTRA_HINT}")
            return 1
        print(f"Training PyramidNetwork + FeatureFusion on 8x8 digits for {args.epochs} epochs")
        model, accuracy = tasks.digits(args)
        path = out / "demo_digits.nx"
        nx.save(model, str(path))
        print(f"held-out accuracy {accuracy:.3f} in {time.perf_counter() - start:.0f} s; "
              f"model saved to {path}")
        return 0
    print(f"Training a U-Net on {args.train} synthetic {args.image_size}x{args.image_size} shapes "
          f"for {args.epochs} epochs")
    model, images, truth, pred, score = tasks.segmentation(args)
    path = out / "demo_unet.nx"
    nx.save(model, str(path))
    print(f"held-out IoU {score:.3f} in {time.perf_counter() - start:.0f} s; model saved to {path}")
    picture = out / "demo_predictions.png"
    if save_pictures(picture, images, truth, pred):
        print(f"predictions drawn in {picture}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

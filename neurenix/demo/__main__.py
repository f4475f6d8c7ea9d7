"""Command line of the demo: ``python -m neurenix.demo [--task segmentation|digits] ...``."""
import argparse
import importlib.util
import pathlib
import sys
import time

import neurenix as nx

from . import inference, pictures, tasks

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
    parser.add_argument("--scene-size", type=int, default=1024,
                        help="side of the large synthetic scene segmented in sliding windows "
                             "after training (segmentation; default 1024)")
    parser.add_argument("--showcase", action="store_true",
                        help="segmentation: also segment a scene twice as large, measure peak "
                             "memory with and without sliding windows and train a plain U-Net "
                             "to compare with (a few minutes)")
    args = parser.parse_args(argv)
    for key, value in DEFAULTS[args.task].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv=None) -> int:
    """Run the demo; returns the process exit status (0 on success)."""
    args = parse_args(argv)
    nx.manual_seed(args.seed)
    out = pathlib.Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if args.task == "digits":
        if importlib.util.find_spec("sklearn") is None:
            print(f"--task digits needs scikit-learn's bundled digits; to get it: "
                  f"{pictures.EXTRA_HINT}")
            return 1
        print(f"Training PyramidNetwork + FeatureFusion on 8x8 digits for {args.epochs} epochs")
        model, accuracy = tasks.digits(args)
        path = out / "demo_digits.nx"
        nx.save(model, str(path))
        print(f"held-out accuracy {accuracy:.3f} in {time.perf_counter() - start:.0f} s; "
              f"model saved to {path}")
        return 0
    segmentation(args, out, start)
    return 0


def segmentation(args, out: pathlib.Path, start: float) -> None:
    """The segmentation task: train, then test-time augmentation, attention maps and a large
    scene in sliding windows (and, with ``--showcase``, the longer comparisons)."""
    print(f"Training an attention U-Net with deep supervision on {args.train} synthetic "
          f"{args.image_size}x{args.image_size} shapes for {args.epochs} epochs")
    model, images, truth, pred, score = tasks.segmentation(args)
    path = out / "demo_unet.nx"
    nx.save(model, str(path))
    print(f"held-out IoU {score:.3f} in {time.perf_counter() - start:.0f} s; model saved to {path}")
    plain, augmented, seconds = inference.tta_iou(model, images, truth)
    print(f"with multi-scale + flip test-time augmentation (scales "
          f"{', '.join(f'{s:g}' for s in inference.TTA_SCALES)}): held-out IoU {augmented:.3f} "
          f"(without: {plain:.3f}; {seconds:.1f} s)")
    picture = out / "demo_predictions.png"
    if pictures.save_pictures(picture, images, truth, pred, inference.attention_maps(model, images)):
        print(f"predictions and attention maps drawn in {picture}")
    for size in [args.scene_size] + ([2 * args.scene_size] if args.showcase else []):
        scene = inference.segment_scene(model, size, seed=args.seed + 1,
                                        measure_memory=args.showcase)
        memory = f", peak memory {scene['peak_mib']:.0f} MiB" if args.showcase else ""
        print(f"a {size} x {size} scene of {scene['shapes']} shapes in {scene['windows']} sliding "
              f"windows of 128 x 128: IoU {scene['iou']:.3f} in {scene['seconds']:.1f} s{memory}")
        picture = out / f"demo_scene_{size}.png"
        if pictures.save_scene(picture, scene):
            print(f"scene drawn in {picture}")
    if args.showcase:
        peak = inference.whole_image_peak(model, args.scene_size, seed=args.seed + 1)
        print(f"the {args.scene_size} x {args.scene_size} scene at once, without windows: peak "
              f"memory {peak:.0f} MiB")
        print("For comparison, a plain U-Net (no attention gates, no deep supervision), trained "
              "the same way")
        nx.manual_seed(args.seed)
        _, _, _, _, plain_score = tasks.segmentation(args, plain=True)
        print(f"plain U-Net: held-out IoU {plain_score:.3f} (attention U-Net with deep "
              f"supervision: {score:.3f})")
    print(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    sys.exit(main())

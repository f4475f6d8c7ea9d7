"""The demo: its data set, its metric, its progress lines and a short end-to-end run."""
import io

import numpy as np
import pytest

import neurenix as nx
from neurenix.demo import __main__ as demo
from neurenix.demo.progress import EpochProgress
from neurenix.demo.shapes import SHAPES, make_shapes
from neurenix.demo.tasks import DigitClassifier, iou


def test_shapes_are_seeded_and_shaped():
    images, masks, kinds = make_shapes(12, size=20, seed=3)
    again, masks_again, _ = make_shapes(12, size=20, seed=3)
    assert images.shape == (12, 3, 20, 20) and images.dtype == np.float32
    assert masks.shape == (12, 1, 20, 20) and set(np.unique(masks)) <= {0.0, 1.0}
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(masks, masks_again)
    assert set(kinds) <= set(range(len(SHAPES)))
    assert (masks.sum(axis=(1, 2, 3)) > 0).all()  # every image shows a shape
    assert not np.array_equal(images, make_shapes(12, size=20, seed=4)[0])


def test_iou_of_masks():
    a = np.zeros((2, 1, 4, 4), np.float32)
    b = a.copy()
    a[0, 0, :2], b[0, 0, 1:3] = 1, 1     # 4 shared pixels of 12 marked in either
    assert iou(a, b) == pytest.approx((4 / 12 + 1.0) / 2)  # an empty pair counts as perfect


def test_progress_writes_one_plain_line_per_epoch_off_a_terminal():
    stream = io.StringIO()
    progress = EpochProgress(epochs=2, batches=3, stream=stream)
    for epoch in (1, 2):
        for i in range(3):
            progress.batch(epoch, i, 0.5)
        progress.epoch(epoch, 0.5, "test IoU 0.900")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in stream.getvalue()
    assert lines[1].startswith("epoch 2/2  loss 0.5000  test IoU 0.900")


def test_progress_updates_one_line_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = EpochProgress(epochs=1, batches=2, stream=stream)
    progress.batch(1, 0, 0.7)
    progress.batch(1, 1, 0.6)
    progress.epoch(1, 0.65, "test IoU 0.5")
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.count("\n") == 1
    assert "batch 2/2" in text and text.rstrip().endswith("s")


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit):
        demo.parse_args(["--help"])
    text = capsys.readouterr().out
    for option in ("--epochs", "--image-size", "--output", "--seed", "--task"):
        assert option in text


def test_a_short_segmentation_run_saves_a_loadable_model(tmp_path, capsys):
    code = demo.main(["--epochs", "1", "--train", "32", "--test", "8", "--image-size", "16",
                      "--output", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "held-out IoU" in out and "epoch 1/1" in out
    model = nx.load(str(tmp_path / "demo_unet.nx"))
    assert model(nx.randn(1, 3, 16, 16)).shape == (1, 1, 16, 16)
    # The picture needs matplotlib (an optional extra); without it the demo says how to get it.
    assert (tmp_path / "demo_predictions.png").exists() or ".[examples]" in out


def test_digit_classifier_shapes_and_save_round_trip(tmp_path):
    model = DigitClassifier(num_levels=2, base_channels=4)
    x = nx.randn(3, 1, 8, 8)
    assert model(x).shape == (3, 10)
    nx.save(model, str(tmp_path / "digits.nx"))
    loaded = nx.load(str(tmp_path / "digits.nx"))
    model.eval()
    loaded.eval()
    np.testing.assert_array_equal(model(x).numpy(), loaded(x).numpy())

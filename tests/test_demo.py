"""The demo: its data set, its metric, its progress lines and a short end-to-end run."""
import io

import numpy as np
import pytest

import neurenix as nx
from neurenix.demo import __main__ as demo
from neurenix.demo.progress import EpochProgress
from neurenix.demo.shapes import SHAPES, make_scene, make_shapes
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


def test_scene_is_seeded_and_holds_many_shapes_of_training_sizes():
    image, mask, count = make_scene(200, seed=2)
    again, mask_again, _ = make_scene(200, seed=2)
    assert image.shape == (3, 200, 200) and image.dtype == np.float32
    assert mask.shape == (1, 200, 200) and set(np.unique(mask)) == {0.0, 1.0}
    np.testing.assert_array_equal(image, again)
    np.testing.assert_array_equal(mask, mask_again)
    assert 10 <= count <= 25                        # 25 cells of 40 x 40, three in four filled
    # Shapes of a 32 x 32 training image cover 1% to 30% of it: a cell's share is about that.
    cells = mask[0].reshape(5, 40, 5, 40).sum(axis=(1, 3))
    assert (cells > 0).sum() == count and cells.max() < 0.3 * 32 * 32


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
    for option in ("--epochs", "--image-size", "--output", "--seed", "--task", "--scene-size",
                   "--showcase"):
        assert option in text


def test_a_short_segmentation_run_saves_a_loadable_model(tmp_path, capsys):
    code = demo.main(["--epochs", "1", "--train", "32", "--test", "8", "--image-size", "16",
                      "--scene-size", "100", "--output", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "held-out IoU" in out and "epoch 1/1" in out
    assert "with multi-scale + flip test-time augmentation (scales 0.75, 1, 1.25)" in out
    assert "a 100 x 100 scene of" in out and "in 1 sliding windows of 128 x 128" in out
    model = nx.load(str(tmp_path / "demo_unet.nx"))
    assert model.attention and model.deep_supervision and not model.training
    assert model(nx.randn(1, 3, 16, 16)).shape == (1, 1, 16, 16)
    # The pictures need matplotlib (an optional extra); without it the demo says how to get it.
    for picture in ("demo_predictions.png", "demo_scene_100.png"):
        assert (tmp_path / picture).exists() or ".[examples]" in out


def test_a_short_showcase_run_compares_memory_and_a_plain_unet(tmp_path, capsys):
    code = demo.main(["--epochs", "1", "--train", "16", "--test", "8", "--image-size", "16",
                      "--scene-size", "136", "--showcase", "--output", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "a 272 x 272 scene of" in out and "in 9 sliding windows" in out
    assert "peak memory" in out and "the 136 x 136 scene at once, without windows" in out
    assert "plain U-Net: held-out IoU" in out


def test_digit_classifier_shapes_and_save_round_trip(tmp_path):
    model = DigitClassifier(num_levels=2, base_channels=4)
    x = nx.randn(3, 1, 8, 8)
    assert model(x).shape == (3, 10)
    nx.save(model, str(tmp_path / "digits.nx"))
    loaded = nx.load(str(tmp_path / "digits.nx"))
    model.eval()
    loaded.eval()
    np.testing.assert_array_equal(model(x).numpy(), loaded(x).numpy())

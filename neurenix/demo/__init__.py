"""``python -m neurenix.demo``: watch neurenix learn, with nothing to download.

The default task trains a U-Net from ``neurenix.multiscale`` (with attention gates and deep
supervision) to segment synthetic shapes (``neurenix.demo.shapes``), reports the held-out IoU
without and with test-time augmentation, draws the attention maps and segments a large scene
in sliding windows (``neurenix.demo.inference``, pictures by ``neurenix.demo.pictures``);
``--showcase`` adds the longer comparisons. ``--task digits`` classifies
scikit-learn's bundled 8x8 digits with PyramidNetwork features fused by FeatureFusion, as the
API document's second tutorial does. ``--help`` lists the options.
"""

"""``python -m neurenix.demo``: watch neurenix learn, with nothing to download.

The default task trains a U-Net from ``neurenix.multiscale`` to segment synthetic shapes
(``neurenix.demo.shapes``) and reports the held-out IoU; ``--task digits`` classifies
scikit-learn's bundled 8x8 digits with PyramidNetwork features fused by FeatureFusion, as the
API document's second tutorial does. ``--help`` lists the options.
"""

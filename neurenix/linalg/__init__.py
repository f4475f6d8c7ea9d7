"""``nx.linalg``: linear-algebra functions under PyTorch's ``torch.linalg`` names.

``vector_norm``, ``matrix_norm`` ("fro", 1, -1, inf, -inf) and ``norm`` (either, chosen by
``ord`` and ``dim``); they are computed in ``neurenix/core/ops/norm.py``.
"""
from ..core.ops.norm import linalg_norm as norm
from ..core.ops.norm import matrix_norm, vector_norm

__all__ = ["matrix_norm", "norm", "vector_norm"]

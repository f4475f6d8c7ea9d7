"""Converter of ``EmbeddingOp``: the table's rows picked by the indices, one Gather."""
from ...core.ops import embedding
from ..registry import converts


@converts(embedding.EmbeddingOp)
def embedding_(g, call):
    weight, index, _, _ = call.args  # the gradient's row scale and padding row: not exported
    return g.op("Gather", g.value(weight), g.value(index), axis=0)

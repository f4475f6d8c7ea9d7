"""einsum: sums of products over named axes, for any number of operands, and its backward.

``einsum`` first rewrites the equation into letters only: each ellipsis is spelled out with
unused letters, an implicit output ("ij,jk") gets its letters, and an axis of length 1 that
broadcasts against a longer one is squeezed out of its operand by a Reshape (the operand's
gradient then sums over that letter, as over any letter it lacks, and the Reshape's backward
puts the axis back). ``Einsum`` thus sees an equation in which every letter has one size, which
keeps its backward short: the gradient of an operand is einsum again, of dL/dout with the other
operands, written back to that operand's letters. Since that backward is an Einsum (plus
Reshape, Expand and PlaceDiagonal, all differentiable), so is every higher one.
"""
import functools
import string

import numpy as np

from .. import dtypes
from ..autograd import Function
from ..tensor import Tensor
from .shape import Expand, Reshape

# Subscripts in PyTorch's order (A-Z before a-z): an implicit output lists its letters sorted.
_LETTERS = string.ascii_uppercase + string.ascii_lowercase

# np.einsum's plain C loop visits every combination of letter values; past this many, finding a
# contraction path that goes through BLAS (tensordot, matmul) pays for the search.
_LOOPS_WORTH_A_PATH = 1 << 15


class Einsum(Function):
    """out = einsum(equation, *xs), the equation in letters only, each letter of one size.
    dL/dx_k = einsum(dL/dout, the other xs) into x_k's letters (see ``_operand_grad``)."""

    __slots__ = ("inputs", "output", "sizes", "shapes")

    @staticmethod
    def forward(ctx, equation, *xs):
        lhs, ctx.output = equation.split("->")
        ctx.inputs = lhs.split(",")
        ctx.shapes = [x.shape for x in xs]
        ctx.sizes = {c: n for term, x in zip(ctx.inputs, xs) for c, n in zip(term, x.shape)}
        if len(xs) > 1:  # an operand's gradient needs the others (never itself)
            ctx.save_for_backward(*xs)
        loops = 1
        for n in ctx.sizes.values():
            loops *= n
        return np.einsum(equation, *xs, optimize=len(xs) > 1 and loops > _LOOPS_WORTH_A_PATH)

    @staticmethod
    def backward(ctx, grad_out):
        xs = ctx.saved_tensors if len(ctx.inputs) > 1 else ()
        grads = [None]
        for k, need in enumerate(ctx.needs_input_grad[1:]):
            grads.append(_operand_grad(ctx, xs, grad_out, k) if need else None)
        return tuple(grads)


class PlaceDiagonal(Function):
    """y = zeros(shape) with x written on the diagonal that ``equation`` ("iij->ij") reads from
    y: the adjoint of taking that diagonal.  dL/dx = the diagonal of dL/dy (an Einsum)."""

    __slots__ = ("equation",)

    @staticmethod
    def forward(ctx, x, equation, shape):
        ctx.equation = equation
        out = np.zeros(shape, dtype=x.dtype)
        np.einsum(equation, out)[...] = x  # einsum's diagonal of an array is a writable view
        return out

    @staticmethod
    def backward(ctx, grad_out):
        return Einsum.apply(ctx.equation, grad_out), None, None


def _operand_grad(ctx, xs, grad_out, k: int) -> Tensor:
    """dL/dx_k: the einsum of dL/dout with every operand but x_k, into x_k's letters. A letter
    only x_k has (summed away by the forward) comes back by broadcasting; a letter x_k repeats
    (its diagonal) by placing the result on that diagonal of zeros."""
    term = ctx.inputs[k]
    letters = "".join(dict.fromkeys(term))  # x_k's letters, each once, in order
    terms = ctx.inputs[:k] + ctx.inputs[k + 1:] + [ctx.output]
    found = "".join(c for c in letters if any(c in t for t in terms))
    others = xs[:k] + xs[k + 1:]
    grad = Einsum.apply(",".join(terms) + "->" + found, *others, grad_out)
    if found != letters:
        kept = tuple(ctx.sizes[c] if c in found else 1 for c in letters)
        grad = Expand.apply(Reshape.apply(grad, kept), tuple(ctx.sizes[c] for c in letters))
    if letters != term:
        grad = PlaceDiagonal.apply(grad, f"{term}->{letters}", ctx.shapes[k])
    return grad


def einsum(equation, *operands) -> Tensor:
    """Sum of products of ``operands`` over the axes named in ``equation`` (Einstein notation).

    ``"ij,jk->ik"`` is a matrix product, ``"ii->"`` a trace, ``"ii->i"`` a diagonal,
    ``"bij->bji"`` a batched transpose, ``"...ij,...jk"`` a matrix product broadcast over
    leading axes. Letters in the output are kept (in its order); the others are summed. Without
    ``->`` the output is the ellipsis axes, then the letters used once, sorted (A-Z, then a-z).

    Args:
        equation: subscripts of letters a-z, A-Z, at most one ``...`` per operand, operands
            separated by commas, spaces ignored. (Or PyTorch's sublist form:
            ``einsum(x, [0, 1], y, [1, 2], [0, 2])``, ints in [0, 52) and ``...`` as Ellipsis.)
        operands: tensors, one per subscript group (or one list of them). A letter has one size
            in all operands, or size 1 where it broadcasts; a letter repeated in one operand
            takes its diagonal and must have the same size there.

    Shape: given by the equation: ``"bij,bjk->bik"``: (B, I, J), (B, J, K) -> (B, I, K).
    Returns: a tensor of the operands' common dtype.
    Raises: ValueError naming the equation, the operand and its shape when the subscripts do
        not fit (count, sizes, output letters); TypeError for a non-tensor operand.

    Examples: ``nx.einsum("ij,j->i", a, v)`` is ``a @ v``; ``nx.einsum("ii", m)`` its trace.
    """
    if not isinstance(equation, str):
        equation, operands = _from_sublists((equation,) + operands)
    elif len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, x in enumerate(operands):
        if not isinstance(x, Tensor):
            raise TypeError(f"einsum: operand {i} is a {type(x).__name__}, not a Tensor")
    equation, shapes = _plan(equation.replace(" ", ""), tuple(x.shape for x in operands))
    operands = [x if x.shape == shape else Reshape.apply(x, shape)
                for x, shape in zip(operands, shapes)]
    common = operands[0].dtype
    for x in operands[1:]:
        common = dtypes.result_dtype(common, x.dtype)
    return Einsum.apply(equation, *[x.to(common) for x in operands])


def _from_sublists(args: tuple):
    """PyTorch's sublist form (x, [0, 1], y, [1, 2], [0, 2]) as (equation, operands)."""
    def letters(sub):
        if not isinstance(sub, (list, tuple)):
            raise TypeError(f"einsum: expected a sublist of ints, got {type(sub).__name__}")
        try:
            return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sub)
        except (IndexError, TypeError):
            raise ValueError(f"einsum: sublist {list(sub)} must hold ints in [0, 52) or "
                             "Ellipsis") from None
    operands, subs = args[0:len(args) - len(args) % 2:2], args[1::2]  # an odd last: the output
    equation = ",".join(letters(s) for s in subs)
    if len(args) % 2:
        equation += "->" + letters(args[-1])
    return equation, operands


def _terms(equation: str, side: str) -> list:
    """The comma-separated subscripts of one side of ``equation``, each ``...`` as "*"."""
    out = []
    for term in side.split(","):
        bad = [c for c in term if c not in _LETTERS and c != "."]
        if bad:
            raise ValueError(f"einsum: invalid subscript {bad[0]!r} in {equation!r}; "
                             "subscripts must be letters a-z, A-Z (or ...)")
        term = term.replace("...", "*")
        if "." in term or term.count("*") > 1:
            raise ValueError(f"einsum: {equation!r} has a '.' outside an ellipsis or two "
                             "ellipses in one operand")
        out.append(term)
    return out


@functools.lru_cache(maxsize=256)  # a model calls the same few equations on the same shapes
def _plan(equation: str, shapes: tuple) -> tuple:
    """``equation`` in letters only, with the output spelled out, and the shape each operand is
    reshaped to first: without its axes of length 1 that broadcast (see the module docstring).
    """
    lhs, arrow, rhs = equation.partition("->")
    terms = _terms(equation, lhs)
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: {equation!r} has subscripts for {len(terms)} operands, "
                         f"{len(shapes)} were given")
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term) - ("*" in term)
        if len(shape) < named or (len(shape) != named and "*" not in term):
            raise ValueError(f"einsum: operand {i} of shape {shape} has {len(shape)} dimensions, "
                             f"its subscripts {term.replace('*', '...')!r} in {equation!r} "
                             f"name {named}")
    ranks = [len(shape) - len(t) + 1 for t, shape in zip(terms, shapes)]  # of each ellipsis
    ellipsis = max((r for t, r in zip(terms, ranks) if "*" in t), default=0)
    fresh = "".join(c for c in _LETTERS if c not in equation)[:ellipsis]
    if len(fresh) < ellipsis:
        raise ValueError(f"einsum: {equation!r} uses too many letters for its ellipsis dims")
    terms = [t.replace("*", fresh[ellipsis - r:]) for t, r in zip(terms, ranks)]
    if arrow:
        if "," in rhs:
            raise ValueError(f"einsum: {equation!r} has more than one output")
        output = _terms(equation, rhs)[0].replace("*", fresh)
        for c in output:
            if output.count(c) > 1 or not any(c in t for t in terms):
                raise ValueError(f"einsum: output subscript {c} in {equation!r} appears more "
                                 "than once or in no operand")
    else:  # implicit: the ellipsis axes, then the letters used once, sorted
        used = "".join(terms)
        output = fresh + "".join(sorted(c for c in set(used) if c not in fresh and
                                        used.count(c) == 1))
    sizes = _letter_sizes(equation, terms, shapes, fresh)
    kept_shapes = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        keep = [j for j, c in enumerate(term) if shape[j] == sizes[c]]
        terms[i] = "".join(term[j] for j in keep)  # squeeze the axes that broadcast
        kept_shapes.append(tuple(shape[j] for j in keep))
    return ",".join(terms) + "->" + output, tuple(kept_shapes)


def _letter_sizes(equation: str, terms: list, shapes: tuple, fresh: str) -> dict:
    """The size of each letter: equal within an operand, equal or 1 (broadcast) across them."""
    sizes = {}
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        here = {}
        for c, n in zip(term, shape):
            name = "of the ellipsis" if c in fresh else c
            if here.setdefault(c, n) != n:
                raise ValueError(f"einsum: subscript {name} is repeated in operand {i} of shape "
                                 f"{shape} ({equation!r}) with different sizes")
            if sizes.get(c, 1) == 1:
                sizes[c] = n
            elif n not in (1, sizes[c]):
                raise ValueError(f"einsum: subscript {name} has size {n} in operand {i} of shape "
                                 f"{shape}, size {sizes[c]} in an earlier one ({equation!r})")
    return sizes

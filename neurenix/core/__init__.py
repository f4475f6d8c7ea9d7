"""The core of neurenix: Tensor, autograd, the differentiable ops, and their helpers."""
from ._memory import keep_freed_memory

keep_freed_memory()  # before the first large array: see _memory.py

from .tensor import Tensor  # first: the ops it imports at its end need the class
from .autograd import (Function, detect_anomaly, enable_grad, inference_mode, is_grad_enabled,
                       no_grad, set_grad_enabled)
from .checkpoint import checkpoint, enable_gradient_checkpointing, is_checkpointing_enabled
from .device import device
from .dtypes import (bool_, double, float16, float32, float64, get_default_dtype, half, int32,
                     int64, long, set_default_dtype)
# PyTorch's nx.float / nx.int / nx.bool: they shadow the builtins in this module's namespace (and,
# through ``import *``, in neurenix/__init__.py), where nothing below them uses the builtins.
from .dtypes import bool_ as bool, float32 as float, int32 as int  # noqa: A001
from .factories import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                        is_tensor, linspace, meshgrid, ones, ones_like, rand, rand_like, randint,
                        randn, randn_like, randperm, tensor, zeros, zeros_like)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops.activation import gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .ops.adaptive_pool import adaptive_avg_pool2d, adaptive_max_pool2d
from .ops.arithmetic import add, cast, div, maximum, minimum, mul, neg, pow, sub, where
from .ops.conv import conv2d, conv_transpose2d
from .ops.conv1d import conv1d
from .ops.einsum import einsum
from .ops.embedding import embedding
from .ops.exp_log import erf, expm1, log1p, log2, log10
from .ops.gather import (gather, index_select, masked_fill, masked_select, scatter, scatter_add,
                         take_along_dim)
from .ops.index import getitem
from .ops.interpolate import interpolate
from .ops.join import atleast_1d, atleast_2d, atleast_3d, column_stack, dstack, hstack, vstack
from .ops.layer_norm import group_norm, instance_norm, layer_norm
from .ops.lerp import lerp
from .ops.logical import (allclose, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, equal,
                          ge, gt, isclose, isfinite, isinf, isnan, le, logical_and, logical_not,
                          logical_or, logical_xor, lt, ne)
from .ops.matmul import bmm, dot, matmul, mm, mv, outer
from .ops.norm import norm
from .ops.pad import pad
from .ops.pixel_shuffle import pixel_shuffle, pixel_unshuffle
from .ops.pool import avg_pool2d, max_pool2d
from .ops.pool1d import adaptive_avg_pool1d, avg_pool1d, max_pool1d
from .ops.powers import reciprocal, rsqrt, square
from .ops.reduce import (amax, amin, argmax, argmin, logsumexp, max, mean, min, std, sum, var)
from .ops.rounding import ceil, floor, round, sign, trunc
from .ops.scan import cumprod, cumsum, prod
from .ops.shape import (cat, chunk, clone, concat, concatenate, expand, flatten, permute, reshape,
                        split, squeeze, stack, transpose, unsqueeze)
from .ops.similarity import cosine_similarity
from .ops.smooth import selu
from .ops.sort import argsort, median, sort, topk, unique
from .ops.tile import flip, fliplr, flipud, repeat, repeat_interleave, roll, tile
from .ops.triangular import tril, triu
from .ops.trig import acos, asin, atan, atan2, cos, cosh, sin, sinh, tan
from .ops.truth import all, any, count_nonzero, nonzero
from .ops.unary import abs, clamp, exp, log, sqrt
from .ops.views import movedim, moveaxis, narrow, swapaxes, swapdims, unbind, unflatten
from .random import get_rng_state, manual_seed, set_rng_state
from .tensor import Tensor

__all__ = [name for name, value in dict(globals()).items()
           if not name.startswith("_") and type(value).__name__ != "module"]

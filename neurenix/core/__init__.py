"""The core of neurenix: Tensor, autograd, the differentiable ops, and their helpers."""
from ._memory import keep_freed_memory

keep_freed_memory()  # before the first large array: see _memory.py

from .tensor import Tensor  # first: the ops it imports at its end need the class
from .autograd import (Function, detect_anomaly, enable_grad, inference_mode, is_grad_enabled,
                       no_grad, set_grad_enabled)
from .checkpoint import checkpoint, enable_gradient_checkpointing, is_checkpointing_enabled
from .dtypes import (bool_, float16, float32, float64, get_default_dtype, int32, int64,
                     set_default_dtype)
from .factories import (arange, empty, full, full_like, linspace, ones, ones_like, rand, randint,
                        randn, randperm, tensor, zeros, zeros_like)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops.activation import gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .ops.arithmetic import add, cast, div, maximum, minimum, mul, neg, pow, sub, where
from .ops.conv import conv2d, conv_transpose2d
from .ops.index import getitem
from .ops.interpolate import interpolate
from .ops.matmul import matmul
from .ops.pad import pad
from .ops.pool import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from .ops.reduce import (amax, amin, argmax, argmin, logsumexp, max, mean, min, std, sum, var)
from .ops.shape import (cat, chunk, clone, expand, flatten, permute, reshape, split, squeeze,
                        stack, transpose, unsqueeze)
from .ops.unary import abs, clamp, exp, log, sqrt
from .random import get_rng_state, manual_seed, set_rng_state
from .tensor import Tensor

__all__ = [name for name, value in dict(globals()).items()
           if not name.startswith("_") and type(value).__name__ != "module"]

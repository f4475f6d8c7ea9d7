"""Neural-network building blocks, as ``torch.nn``: Module, Parameter, layers, losses, init and
the stateless ``functional`` forms. Parameter names and layouts are PyTorch's, so a state dict
moves between the two frameworks as NumPy arrays."""
from . import functional, init, utils
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Tanh
from .activation import (ELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, Mish, ReLU6,
                         Softplus)
from .attention import MultiheadAttention
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .distance import CosineSimilarity
from .dropout import Dropout, Dropout2d
from .flatten import Flatten
from .fold import Fold, Unfold
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .loss import HuberLoss, KLDivLoss, SmoothL1Loss
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm2d, LayerNorm
from .parameter import Parameter
from .pixel_shuffle import PixelShuffle, PixelUnshuffle
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool1d,
                      AvgPool2d, MaxPool1d, MaxPool2d, MaxUnpool2d)
from .rnn import GRU, LSTM, RNN, RNNBase
from .sparse import Embedding
from .transformer import TransformerEncoder, TransformerEncoderLayer
from .upsample import Upsample

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool1d", "AvgPool2d",
           "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d",
           "ConvTranspose2d", "CosineSimilarity", "CrossEntropyLoss", "Dropout", "Dropout2d",
           "ELU", "Embedding", "Flatten", "Fold", "GELU", "GRU", "GroupNorm", "Hardsigmoid",
           "Hardswish", "Hardtanh", "HuberLoss", "Identity", "InstanceNorm2d", "KLDivLoss",
           "L1Loss", "LSTM", "LayerNorm", "LeakyReLU", "Linear", "LogSigmoid", "LogSoftmax",
           "MSELoss", "MaxPool1d", "MaxPool2d", "MaxUnpool2d", "Mish", "Module", "ModuleDict",
           "ModuleList", "MultiheadAttention", "NLLLoss", "Parameter", "PixelShuffle",
           "PixelUnshuffle", "RNN", "RNNBase", "ReLU", "ReLU6", "SELU", "Sequential", "SiLU",
           "Sigmoid", "SmoothL1Loss", "Softmax", "Softplus", "Tanh", "TransformerEncoder",
           "TransformerEncoderLayer", "Unfold", "Upsample", "functional", "init", "utils"]

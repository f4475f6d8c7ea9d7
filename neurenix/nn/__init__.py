"""Neural-network building blocks, as ``torch.nn``: Module, Parameter, layers, losses, init and
the stateless ``functional`` forms. Parameter names and layouts are PyTorch's, so a state dict
moves between the two frameworks as NumPy arrays."""
from . import functional, init, utils
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv2d, ConvTranspose2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d
from .parameter import Parameter
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .upsample import Upsample

__all__ = ["AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "BCELoss",
           "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv2d", "ConvTranspose2d",
           "CrossEntropyLoss", "Dropout", "Flatten", "GELU", "Identity", "L1Loss", "LeakyReLU",
           "Linear", "LogSoftmax", "MSELoss", "MaxPool2d", "Module", "ModuleDict", "ModuleList",
           "NLLLoss", "Parameter", "ReLU", "Sequential", "SiLU", "Sigmoid", "Softmax", "Tanh",
           "Upsample", "functional", "init", "utils"]

"""nonlin: neural-network activation functions with exact first and second derivatives.

>>> import nonlin as nl
>>> act = nl.get("elu(alpha=0.5)+norm:z")
>>> nl.elu.grad([-1.0, 0.0, 2.0])
array([0.36787944, 1.        , 1.        ])
"""

from __future__ import annotations

from . import catalog, layers
from .accuracy import check
from .activation import Activation, Traits, register
from .catalog import *  # noqa: F403
from .chain import Chain
from .errors import (
    InputError,
    InputTypeError,
    NonlinError,
    ParameterError,
    SpecError,
    UnknownActivationError,
)
from .registry import describe, get, names

__version__ = "0.1.0"

__all__ = [
    "Activation",
    "Chain",
    "InputError",
    "InputTypeError",
    "NonlinError",
    "ParameterError",
    "SpecError",
    "Traits",
    "UnknownActivationError",
    "__version__",
    "check",
    "describe",
    "get",
    "layers",
    "names",
    "register",
]
__all__ += catalog.__all__

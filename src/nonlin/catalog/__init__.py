"""The built-in activations, one module per family; importing this registers them all.

Import order is registration order, which is catalog order (what ``nl.names()`` lists).
The modules are bound under private names because some instances share a module's name
(``exponential`` is both the module and the activation ``nl.exponential``).
"""

from __future__ import annotations

# isort: off
from . import sigmoidal as _sigmoidal
from . import rectifiers as _rectifiers
from . import exponential as _exponential
from . import smooth as _smooth
from . import normalizing as _normalizing
from . import learnable as _learnable

# isort: on
from .exponential import *  # noqa: F403
from .learnable import *  # noqa: F403
from .normalizing import *  # noqa: F403
from .rectifiers import *  # noqa: F403
from .sigmoidal import *  # noqa: F403
from .smooth import *  # noqa: F403

__all__ = [
    *_sigmoidal.__all__,
    *_rectifiers.__all__,
    *_exponential.__all__,
    *_smooth.__all__,
    *_normalizing.__all__,
    *_learnable.__all__,
]

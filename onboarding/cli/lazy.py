"""Modules loaded on first use, so `onboarding --help` and local commands start fast.

The command modules name the modules that do the work (`actions`, the HTTP
client, the settings) at the top as usual, but through `lazy_module`: the
module object is made at once, its code runs on the first attribute read.
`--help`, `diagram` and `keys new` never read one, so they import neither
httpx nor pydantic-settings (bench: `python -m bench cli_start`).
"""

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """`name`, imported when first used (at once if it is imported already)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module

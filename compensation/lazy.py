"""Package namespaces whose public names load their submodule on first use (PEP 562).

Why: Python runs a package's `__init__` before any of its submodules, so an `__init__` that
imports every submodule makes `import compensation.render.bulletin` pay for openpyxl, and
`import compensation.lang.runtime` pay for lark and sqlglot. A package lists its public names by
the submodule that defines them; `from compensation.lang import compile_file` works as before.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, modules: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """`__getattr__`, `__dir__` and `__all__` for `package`; `modules` maps a submodule to the
    public names it defines."""
    names = {name: module for module, listed in modules.items() for name in listed}
    clashes = sorted(set(names) & set(modules))
    if clashes:  # importing the submodule would bind the package attribute to the module
        raise ValueError(f"{package}: names that are also submodules cannot load lazily: {clashes}")

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)  # the next lookup is a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__, sorted(names)

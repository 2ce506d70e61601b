"""The one place pydeequ is imported.

``import pydeequ`` reads ``SPARK_VERSION`` at import time; set it from
``pyspark.__version__`` first so the import never depends on the caller's env.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def import_pydeequ() -> ModuleType:
    import pyspark

    os.environ.setdefault("SPARK_VERSION", pyspark.__version__)
    module = importlib.import_module("pydeequ")
    importlib.import_module("pydeequ.analyzers")  # registers the submodule on the package
    return module

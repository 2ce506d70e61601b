"""The one place pydeequ is imported.

``import pydeequ`` reads ``SPARK_VERSION`` at import time; set it from
``pyspark.__version__`` first so the import never depends on the caller's env.
"""

from __future__ import annotations

import os
from types import ModuleType


def import_pydeequ() -> ModuleType:
    import pyspark

    os.environ.setdefault("SPARK_VERSION", pyspark.__version__)
    import pydeequ
    import pydeequ.analyzers  # noqa: F401  (registers the submodule on the package)

    return pydeequ

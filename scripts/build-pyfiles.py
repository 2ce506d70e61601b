"""Zip monitor_job and pydeequ (both pure Python) for spark-submit --py-files."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path


def add_package(archive: zipfile.ZipFile, package_dir: Path) -> None:
    for path in sorted(package_dir.rglob("*.py")):
        archive.write(path, path.relative_to(package_dir.parent).as_posix())


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "build/monitor-job.zip")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("monitor_job", "pydeequ"):  # located, not imported (pydeequ needs env)
            spec = importlib.util.find_spec(name)
            assert spec is not None and spec.origin is not None, name
            add_package(archive, Path(spec.origin).resolve().parent)
    print(target)


if __name__ == "__main__":
    main()

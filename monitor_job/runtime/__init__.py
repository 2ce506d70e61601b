"""Spark session and the PyDeequ import: built by ``main()``, never at import time."""

from __future__ import annotations

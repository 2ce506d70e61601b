"""Whole jobs: wire contract -> io -> decode -> analyzers -> constraints -> outputs."""

from __future__ import annotations

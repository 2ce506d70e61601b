"""Clarify's analysis.json for explainability, written and read here:
``explanations.kernel_shap.<label>.{global_shap_values, expected_value}``, one entry per
model output (``label_headers``, else ``label0``, ``label1``...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from monitor_job.clarify.documents import VERSION
from monitor_job.errors import BaselineError, ModelError

METHOD = "kernel_shap"


def label_names(outputs: int, headers: Sequence[str] | None) -> tuple[str, ...]:
    if headers is None:
        return tuple(f"label{i}" for i in range(outputs))
    if len(headers) != outputs:
        raise ModelError(
            f"the model answers {outputs} value(s) per record, predictor.label_headers names "
            f"{len(headers)}"
        )
    return tuple(headers)


def analysis_document(
    labels: Sequence[str],
    features: Sequence[str],
    global_values: np.ndarray,
    expected: np.ndarray,
) -> dict[str, Any]:
    """analysis.json: per label, each feature's global SHAP value and the expected value."""
    return {
        "version": VERSION,
        "explanations": {
            METHOD: {
                label: {
                    "global_shap_values": {
                        name: float(value)
                        for name, value in zip(features, global_values[i], strict=True)
                    },
                    "expected_value": float(expected[i]),
                }
                for i, label in enumerate(labels)
            }
        },
    }


def kernel_shap(document: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """An analysis.json's entries by label ({} when it has none)."""
    found = ((document or {}).get("explanations") or {}).get(METHOD) or {}
    return {str(k): v for k, v in found.items() if isinstance(v, Mapping)}


def baseline_explanations(document: object, where: str) -> dict[str, Mapping[str, Any]]:
    """The baseline analysis.json's entries; a file without them is a ``BaselineError``."""
    found = kernel_shap(document if isinstance(document, Mapping) else None)
    if not found:
        raise BaselineError(
            f"{where} holds no explanations.kernel_shap: not the analysis.json of an "
            "explainability baseline"
        )
    return found

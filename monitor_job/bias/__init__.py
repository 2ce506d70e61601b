"""Bias metrics (SageMaker Clarify compatible), computed from one Spark aggregation."""

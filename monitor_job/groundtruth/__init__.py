"""Predictions with their labels, shared by model quality and bias (below both; imports
neither): a labelled table's columns (``records``), or captured predictions merged with
ground-truth labels on the event id, with the merge's counts (``captures``), read for a
run by ``read``."""

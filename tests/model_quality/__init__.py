"""Tests of monitor_job.model_quality, a file per part: test_<part>.py (test_job*.py: its
jobs end to end)."""

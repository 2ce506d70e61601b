#!/usr/bin/env bash
# Not built yet (issue 5): say so instead of printing made-up numbers.
echo "make bench: not implemented yet; see docs/BENCHMARKS.md" >&2
exit 1

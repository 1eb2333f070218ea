"""Benchmarks: minyi against DuckDB's floor and a naive baseline (see run.py)."""

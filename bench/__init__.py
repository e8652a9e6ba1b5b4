"""Benchmarks at realistic scale. Run with `make bench`; they print figures and assert nothing."""

"""`python -m bench`: run every benchmark and print the figures."""

from bench import bench_places

print("Benchmarks (server time through the Flask test client; median and 95th percentile)")
bench_places.run()

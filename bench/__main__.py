"""`python -m bench`: run every benchmark and print the figures."""

import sys

from bench import bench_digests, bench_growth, bench_impact, bench_ledger, bench_matching, bench_needs, bench_opendata, bench_pb, bench_pb_tally, bench_places, bench_returns

BENCHES = {
    "growth": bench_growth,
    "places": bench_places,
    "needs": bench_needs,
    "ledger": bench_ledger,
    "pb": bench_pb,
    "pb-tally": bench_pb_tally,
    "matching": bench_matching,
    "digests": bench_digests,
    "opendata": bench_opendata,
    "impact": bench_impact,
    "returns": bench_returns,
}

print("Benchmarks (server time through the Flask test client; median and 95th percentile)")
for name in sys.argv[1:] or list(BENCHES):
    BENCHES[name].run()

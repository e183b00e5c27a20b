"""secsteer benchmarks: `python -m benchmarks [--quick]` prints one ratio per figure."""

"""Internal helpers (threads) used by the CLI and the benchmarks."""

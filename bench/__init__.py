"""Scale tooling (ISSUE 10): the synthetic data generator and the benchmarks that measure the
system at 10,000 and 100,000 families. Not imported by the application."""

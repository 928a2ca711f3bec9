"""Benchmarks and figure-printing tools (synth time, scaling, fixed cost, template comparison)."""

"""Robustness of the core: fuzzed and hostile inputs, fix safety, and never running user code."""

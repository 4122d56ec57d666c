"""Generators of synthetic regions for testing and benchmarking the objectivity checks."""

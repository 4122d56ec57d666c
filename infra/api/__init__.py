"""Plumbing every API endpoint shares: the error format, its schema, strict filters."""

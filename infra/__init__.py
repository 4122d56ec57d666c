"""Shared infrastructure the apps depend on; it depends on none of them."""

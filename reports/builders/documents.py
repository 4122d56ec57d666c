"""Imports every builder module so that each registers its document kind."""

"""Imports every builder module so that each registers its document kind."""

from reports.builders import analytic, execution, order  # noqa: F401

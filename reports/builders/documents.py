"""Imports every builder module so that each registers its document kind."""

from reports.builders import analytic, execution, objectivity, order  # noqa: F401

"""What objectivity does when results change (`assessments.results.signals`).
Connected in `AssessmentsConfig.ready`."""

from __future__ import annotations


def checks_rerun(*, procedure, **kwargs) -> None:
    """After a committed import: check again every scope someone has checked for
    the procedure's year (`reruns_after_import`)."""
    # Imported here: the checks bring numpy, which start-up must not load.
    from assessments.objectivity.services.runs import reruns_after_import

    reruns_after_import(procedure=procedure)

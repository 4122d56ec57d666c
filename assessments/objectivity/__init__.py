"""Objectivity checks: settings, runs, schools, findings, answers and official lists.

The method itself lives in `assessments.objectivity.checks` (pure, no ORM).
"""

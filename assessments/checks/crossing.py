"""Indicators that look beyond one procedure: the same cohort a year later,
the same test over years, the same school's state exams and objective ВПР."""

from __future__ import annotations

from .indicators import Column, Prepared
from .params import CheckParams


def cross_columns(data, proc, prep: Prepared, params: CheckParams) -> list[Column]:
    return []

"""Wage grids (能级工资表): the grid in force of an enterprise, the sides' proposals in a round,
their checks against the minimum wage and their costing."""

from app.wage_grids import models  # noqa: F401

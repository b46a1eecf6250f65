"""The PuLP mixed-integer formulation of one customer's plan (SPEC sections 3 and 4)."""

from planner.milp.formulation import MilpModel, create_model
from planner.milp.solve import solve_milp

__all__ = ["MilpModel", "create_model", "solve_milp"]

"""The PuLP mixed-integer formulation of one customer's plan (see docs/model.rst)."""

from planner.milp.formulation import MilpModel, create_model
from planner.milp.solve import solve_milp

__all__ = ["MilpModel", "create_model", "solve_milp"]

"""The PuLP model of one customer's plan: a shortest path through its month-by-month states."""

from planner.engines.milp.formulation import MilpModel, create_model
from planner.engines.milp.solve import solve_milp

__all__ = ["MilpModel", "create_model", "solve_milp"]

"""The words of the planning model as types: tiers, families, sites, statuses and the like.

Every value is a :class:`enum.StrEnum`, so a member equals (and prints as) the text the
input files and output tables hold: ``Tier.PREMIUM == "Premium"``.
"""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    """Circuit tier: which Azure regions a circuit reaches (docs/model.rst, Tier and family)."""

    LOCAL = "Local"
    STANDARD = "Standard"
    PREMIUM = "Premium"


class Family(StrEnum):
    """Billing family of a circuit or of Direct port pairs: egress paid per GB, or not."""

    METERED = "MeteredData"
    UNLIMITED = "UnlimitedData"


class Billing(StrEnum):
    """A customer's billing choice: a fixed :class:`Family`, or ``auto`` for the cheaper."""

    AUTO = "auto"
    METERED = "MeteredData"
    UNLIMITED = "UnlimitedData"


class Resiliency(StrEnum):
    """How a customer's circuits must survive failures (docs/model.rst, Resiliency)."""

    STANDARD = "standard"
    N_PLUS_ONE = "n+1"
    MAXIMUM = "maximum"


class Model(StrEnum):
    """How the CSP serves a customer: through its own circuits, or the customer's own."""

    CONNECT_THROUGH = "connect-through"
    CONNECT_TO = "connect-to"


class Site(StrEnum):
    """Where a circuit stands: the customer's peering location, or the second one."""

    PRIMARY = "primary"
    SECONDARY = "secondary"


class Status(StrEnum):
    """Outcome of planning one customer.

    ``TIME_LIMIT`` means the engine ran out of the per-customer time limit before proving
    an optimum; such a customer is never reported as optimal.
    """

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    ERROR = "error"
    TIME_LIMIT = "time_limit"


#: Bandwidth by which a capacity may fall short of a peak and still carry it [Mb/s]: room
#: for the rounding of products such as capacity x utilization, far below any real figure.
CAPACITY_TOLERANCE_MBPS = 1e-9

#: (tier, family), or (tier, family, port_gbps) for circuits on ExpressRoute Direct pairs.
TierFamily = tuple[str, str] | tuple[str, str, int]


def with_port(tier: str, family: str, port_gbps: int) -> TierFamily:
    """The tier-family key: a provider one is ``(tier, family)``, a Direct one adds the port."""
    return (tier, family) if not port_gbps else (tier, family, int(port_gbps))


def port_of(tier_family: TierFamily) -> int:
    """Port size [Gb/s] of a tier-family key; 0 for provider circuits."""
    return int(tier_family[2]) if len(tier_family) > 2 else 0

"""Declarative schemas of the input files (SPEC section 2).

The schemas only describe columns; :mod:`planner.validate` checks frames against them.
"""

from __future__ import annotations

from dataclasses import dataclass

TIERS = ("Local", "Standard", "Premium")
FAMILIES = ("MeteredData", "UnlimitedData")
RESILIENCY_MODES = ("standard", "n+1", "maximum")
BILLING_CHOICES = ("auto", "MeteredData", "UnlimitedData")
MODELS = ("connect-through", "connect-to")
SITES = ("primary", "secondary")

#: Azure links at most 4 circuits of one peering location to one vNet (all gateway SKUs).
MAX_CIRCUITS_PER_LOCATION = 4

ID_PATTERN = r"[A-Za-z0-9_.\-]{1,64}"
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
PERIOD_PATTERN = r"\d{4}-(0[1-9]|1[0-2])"


@dataclass(frozen=True)
class Column:
    """One column of an input file.

    Parameters
    ----------
    name : str
        Column name as in the CSV header.
    kind : str
        One of ``"str"``, ``"int"``, ``"float"``, ``"bool"``, ``"enum"``, ``"pattern"``.
    required : bool
        Whether the column must be present and every cell filled.
    default : object
        Value used for an empty cell of an optional column; ``None`` leaves it missing.
    minimum, maximum : float or None
        Inclusive bounds for numbers.
    exclusive_minimum : bool
        Whether ``minimum`` itself is excluded.
    choices : tuple of str or None
        Allowed values for ``enum`` columns (matched case-sensitively).
    pattern : str or None
        Full-match regular expression for ``pattern`` columns.
    describe : str
        What a valid value looks like, used in error messages.
    """

    name: str
    kind: str
    required: bool = False
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    describe: str = ""


@dataclass(frozen=True)
class FileSchema:
    """The columns of one input file and its unique key.

    Parameters
    ----------
    file : str
        File name used in messages, e.g. ``"catalog.csv"``.
    columns : tuple of Column
        The known columns; other columns are ignored.
    key : tuple of str
        Columns whose combination must be unique.
    """

    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        return next(c for c in self.columns if c.name == name)


CATALOG = FileSchema(
    "catalog.csv",
    (
        Column("tier", "enum", required=True, choices=TIERS),
        Column("family", "enum", required=True, choices=FAMILIES),
        Column("bandwidth_mbps", "int", required=True, minimum=0, exclusive_minimum=True),
        Column("monthly_usd", "float", required=True, minimum=0),
        Column("vnet_links", "int", required=True, minimum=1),
        Column("routes_ipv4", "int", required=True, minimum=1),
    ),
    key=("tier", "family", "bandwidth_mbps"),
)

#: Circuit sizes [Mb/s] ExpressRoute Direct carves from a pair of each port size [Gb/s].
DIRECT_BANDWIDTHS_MBPS = {10: (1000, 2000, 5000, 10000), 100: (5000, 10000, 40000, 100000)}

#: catalog.csv with the ``port_gbps`` column of SPEC section 8 (empty for provider circuits).
CATALOG_WITH_PORTS = FileSchema(
    "catalog.csv",
    (*CATALOG.columns, Column("port_gbps", "int", default=0, minimum=0)),
    key=("tier", "family", "bandwidth_mbps", "port_gbps"),
)

EGRESS_RATES = FileSchema(
    "egress_rates.csv",
    (
        Column("zone", "str", required=True),
        Column("usd_per_gb", "float", required=True, minimum=0),
    ),
    key=("zone",),
)

CUSTOMERS = FileSchema(
    "customers.csv",
    (
        Column("customer_id", "pattern", required=True, pattern=ID_PATTERN,
               describe="1 to 64 letters, digits, '-', '_' or '.'"),
        Column("name", "str"),
        Column("model", "enum", default="connect-through", choices=MODELS),
        Column("subscription_id", "pattern", default="", pattern=UUID_PATTERN,
               describe="a UUID such as 00000000-0000-0000-0000-000000000000"),
        Column("peering_location", "str", required=True),
        Column("secondary_peering_location", "str", default=""),
        Column("provider", "str", required=True),
        Column("zone", "str", required=True),
        Column("vnets", "int", default=1, minimum=1),
        Column("routes_ipv4", "int", default=0, minimum=0),
        Column("resiliency", "enum", default="standard", choices=RESILIENCY_MODES),
        Column("premium_required", "bool", default=False),
        Column("local_eligible", "bool", default=False),
        Column("billing", "enum", default="auto", choices=BILLING_CHOICES),
        Column("max_circuits", "int", default=10, minimum=1),
        Column("max_circuits_per_location", "int", default=4, minimum=1,
               maximum=MAX_CIRCUITS_PER_LOCATION),
        Column("target_utilization", "float", default=0.8, minimum=0, exclusive_minimum=True,
               maximum=1),
        Column("setup_usd", "float", default=1000.0, minimum=0),
    ),
    key=("customer_id",),
)

DEMAND = FileSchema(
    "demand.csv",
    (
        Column("customer_id", "str", required=True),
        Column("period", "pattern", required=True, pattern=PERIOD_PATTERN,
               describe="a month as YYYY-MM"),
        Column("peak_mbps", "float", required=True, minimum=0),
        Column("egress_gb", "float", default=0.0, minimum=0),
        Column("vnets", "int", default=None, minimum=1),
    ),
    key=("customer_id", "period"),
)

INVENTORY = FileSchema(
    "inventory.csv",
    (
        Column("customer_id", "str", required=True),
        Column("circuit_name", "pattern", required=True,
               pattern=r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}",
               describe="an Azure resource name: 1 to 80 letters, digits, '-', '_' or '.', "
                        "starting with a letter or digit"),
        Column("tier", "enum", required=True, choices=TIERS),
        Column("family", "enum", required=True, choices=FAMILIES),
        Column("bandwidth_mbps", "int", required=True, minimum=0, exclusive_minimum=True),
        Column("site", "enum", default="primary", choices=SITES),
    ),
    key=("circuit_name",),
)

SCHEMAS = {
    "customers": CUSTOMERS,
    "demand": DEMAND,
    "catalog": CATALOG,
    "egress_rates": EGRESS_RATES,
    "inventory": INVENTORY,
}

"""Declarative schemas of the input files (see docs/inputs.rst).

The schemas only describe columns; :mod:`planner.inputs.validate` checks frames against them.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.domain import Billing, Family, Model, Resiliency, Site, Tier

TIERS = tuple(t.value for t in Tier)
FAMILIES = tuple(f.value for f in Family)
RESILIENCY_MODES = tuple(r.value for r in Resiliency)
BILLING_CHOICES = tuple(b.value for b in Billing)
MODELS = tuple(m.value for m in Model)
SITES = tuple(s.value for s in Site)

#: Azure links at most 4 circuits of one peering location to one vNet (all gateway SKUs).
MAX_CIRCUITS_PER_LOCATION = 4

#: The largest amount a price, cost, traffic or bandwidth column takes [USD, GB, Mb/s]:
#: far above any real figure, and low enough that no total over a portfolio overflows.
LARGEST_AMOUNT = 1e12

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
    unit : str
        Unit of the values (``"Mb/s"``, ``"USD per month"``, ...); empty for text, choices
        and flags.
    description : str
        What the column means, in a sentence or two; the manual's input tables show it.
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
    unit: str = ""
    description: str = ""


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
        Column("tier", "enum", required=True, choices=TIERS,
               description="SKU tier: Local reaches only the Azure regions local to the peering "
                           "location, Standard the geopolitical region, Premium every region and "
                           "Microsoft 365."),
        Column("family", "enum", required=True, choices=FAMILIES,
               description="Billing family: MeteredData pays outbound data per GB on top of the "
                           "fee, UnlimitedData does not."),
        Column("bandwidth_mbps", "int", required=True, minimum=0, exclusive_minimum=True,
               unit="Mb/s",
               description="Bandwidth of one circuit of this SKU."),
        Column("monthly_usd", "float", required=True, minimum=0, maximum=LARGEST_AMOUNT,
               unit="USD per month",
               description="Monthly fee of one circuit of this SKU, any Premium add-on included."),
        Column("vnet_links", "int", required=True, minimum=1,
               unit="vNet links per circuit",
               description="How many vNets (gateway connections) one circuit of this SKU can "
                           "link."),
        Column("routes_ipv4", "int", required=True, minimum=1,
               unit="prefixes",
               description="How many private-peering IPv4 routes one circuit of this SKU accepts "
                           "from on-premises."),
        # Empty (or no column): the row applies to every zone (docs/model.rst, Prices by zone).
        Column("zone", "str", default="",
               description="Egress zone the price applies to; empty applies to every zone that "
                           "has no row of its own for the same tier, family and bandwidth."),
    ),
    key=("zone", "tier", "family", "bandwidth_mbps"),
)

#: Circuit sizes [Mb/s] ExpressRoute Direct carves from a pair of each port size [Gb/s].
DIRECT_BANDWIDTHS_MBPS = {10: (1000, 2000, 5000, 10000), 100: (5000, 10000, 40000, 100000)}

#: catalog.csv with the ``port_gbps`` column of docs/direct.md (empty for provider circuits).
CATALOG_WITH_PORTS = FileSchema(
    "catalog.csv",
    (*CATALOG.columns, Column("port_gbps", "int", default=0, minimum=0)),
    key=("zone", "tier", "family", "bandwidth_mbps", "port_gbps"),
)

EGRESS_RATES = FileSchema(
    "egress_rates.csv",
    (
        Column("zone", "str", required=True,
               description="Egress zone of a peering location, matched as text against "
                           "customers.csv."),
        Column("usd_per_gb", "float", required=True, minimum=0, maximum=LARGEST_AMOUNT,
               unit="USD per GB",
               description="Price of outbound data on MeteredData circuits in this zone."),
    ),
    key=("zone",),
)

CUSTOMERS = FileSchema(
    "customers.csv",
    (
        Column("customer_id", "pattern", required=True, pattern=ID_PATTERN,
               describe="1 to 64 letters, digits, '-', '_' or '.'",
               description="The customer; unique in the file."),
        Column("name", "str",
               description="Display name; the customer_id when empty."),
        Column("model", "enum", default="connect-through", choices=MODELS,
               description="Who owns the circuits: connect-through (the CSP) or connect-to (the "
                           "customer). It changes who acts in the manifests, never the plan."),
        Column("subscription_id", "pattern", default="", pattern=UUID_PATTERN,
               describe="a UUID such as 00000000-0000-0000-0000-000000000000",
               unit="UUID",
               description="Azure subscription the circuits belong to; empty when not known yet."),
        Column("peering_location", "str", required=True,
               description="Primary site, an ExpressRoute peering location such as Amsterdam."),
        Column("secondary_peering_location", "str", default="",
               description="Second site; required for resiliency maximum and for inventory at the"
                           " secondary site, and different from the primary."),
        Column("provider", "str", required=True,
               description="Connectivity provider of the circuits, such as Equinix."),
        Column("zone", "str", required=True,
               description="Egress zone of the peering location; a zone of egress_rates.csv."),
        Column("vnets", "int", default=1, minimum=1,
               unit="vNets",
               description="vNets to link to the customer's circuits in every month whose demand "
                           "row leaves vnets empty."),
        Column("routes_ipv4", "int", default=0, minimum=0,
               unit="prefixes",
               description="Prefixes the customer advertises over private peering; every chosen "
                           "SKU must accept them."),
        Column("resiliency", "enum", default="standard", choices=RESILIENCY_MODES,
               description="The failure a plan must survive: standard (none), n+1 (losing any one"
                           " circuit) or maximum (losing a whole site)."),
        Column("premium_required", "bool", default=False,
               description="Whether vNets outside the geopolitical region, or Microsoft 365, must"
                           " be reached: only Premium is then allowed."),
        Column("local_eligible", "bool", default=False,
               description="Whether every vNet sits in an Azure region local to the peering "
                           "location: only then is Local allowed."),
        Column("billing", "enum", default="auto", choices=BILLING_CHOICES,
               description="Allowed billing family; auto lets the planner choose month by month."),
        Column("max_circuits", "int", default=10, minimum=1,
               unit="circuits",
               description="Circuits the customer may hold at once, both sites together."),
        Column("max_circuits_per_location", "int", default=4, minimum=1,
               maximum=MAX_CIRCUITS_PER_LOCATION,
               unit="circuits",
               description="Circuits the customer may hold at one site; Azure links at most 4 "
                           "circuits of one peering location to one vNet."),
        Column("target_utilization", "float", default=0.8, minimum=0, exclusive_minimum=True,
               maximum=1,
               unit="fraction",
               description="Largest share of the capacity the peak may fill in normal operation, "
                           "in (0, 1]."),
        Column("setup_usd", "float", default=1000.0, minimum=0, maximum=LARGEST_AMOUNT,
               unit="USD per circuit created",
               description="One-time cost of creating a circuit: provider installation, cross-"
                           "connect, migration work."),
        # Empty: no markup. Only read for price_usd/margin_usd (planner.economics).
        Column("markup_pct", "float", default=None, minimum=-100, maximum=LARGEST_AMOUNT,
               unit="%",
               description="Markup on the CSP's cost: the price to the customer is the cost x "
                           "(1 + markup_pct / 100). Empty: no price or margin columns for it."),
    ),
    key=("customer_id",),
)

DEMAND = FileSchema(
    "demand.csv",
    (
        Column("customer_id", "str", required=True,
               description="A customer of customers.csv."),
        Column("period", "pattern", required=True, pattern=PERIOD_PATTERN,
               describe="a month as YYYY-MM",
               unit="month",
               description="Month of service; a customer's months are consecutive, without gaps "
                           "or repeats."),
        Column("peak_mbps", "float", required=True, minimum=0, maximum=LARGEST_AMOUNT,
               unit="Mb/s",
               description="Peak bandwidth of the month."),
        Column("egress_gb", "float", default=0.0, minimum=0, maximum=LARGEST_AMOUNT,
               unit="GB per month",
               description="Outbound data of the month, billed on MeteredData circuits."),
        Column("vnets", "int", default=None, minimum=1,
               unit="vNets",
               description="vNets to link that month; empty means the customer's vnets."),
    ),
    key=("customer_id", "period"),
)

INVENTORY = FileSchema(
    "inventory.csv",
    (
        Column("customer_id", "str", required=True,
               description="Owner of the circuit, a customer of customers.csv."),
        Column("circuit_name", "pattern", required=True,
               pattern=r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}",
               describe="an Azure resource name: 1 to 80 letters, digits, '-', '_' or '.', "
                        "starting with a letter or digit",
               description="Azure resource name of the circuit; unique in the file."),
        Column("tier", "enum", required=True, choices=TIERS,
               description="Tier of the circuit today; one tier for all of a customer's circuits."),
        Column("family", "enum", required=True, choices=FAMILIES,
               description="Billing family of the circuit today; one family for all of a "
                           "customer's circuits."),
        Column("bandwidth_mbps", "int", required=True, minimum=0, exclusive_minimum=True,
               unit="Mb/s",
               description="Bandwidth of the circuit today; it need not be a catalog SKU."),
        Column("site", "enum", default="primary", choices=SITES,
               description="Where the circuit stands: primary or secondary."),
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

"""Provisioning settings: the CSP-wide TOML file and the optional per-customer columns.

The settings file (``data/provisioning.toml`` for the sample) holds what the plan does not:
the CSP's BGP ASN, the address pools and VLAN range for private peering, naming patterns,
the MD5 secret store and the Azure region of each peering location. Customers may override
some of it with optional columns of customers.csv (:data:`PROVISIONING_COLUMNS`).
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from planner.inputs.schema import Column, FileSchema
from planner.inputs.validate import InputError, InputIssue, parse_table

_T = TypeVar("_T")

#: Microsoft reserves these ASNs; a peer ASN must avoid them (expressroute_facts 7.1).
RESERVED_ASNS = range(65515, 65521)
MAX_ASN = 4_294_967_295
ENCRYPTION_CHOICES = ("none", "ipsec")
#: Encapsulations of an ExpressRoute Direct port (``encapsulation`` of the port resource).
ENCAPSULATIONS = ("Dot1Q", "QinQ")
REGION_PATTERN = r"[a-z][a-z0-9]{2,39}"
RESOURCE_GROUP_PATTERN = r"[A-Za-z0-9_.()\-]{0,89}[A-Za-z0-9_()\-]"
ZERO_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
SUBSCRIPTION_PATTERN = r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"

#: The Azure region of each peering location of the facts file (section 9), in the
#: programmatic form ARM, Terraform and the CLI accept: the location's local region, and for
#: the two without one the nearest region (Dallas: South Central US, in Texas; New York:
#: East US, in Virginia). The settings file or a per-customer ``region`` overrides it.
LOCAL_REGIONS = {
    "Amsterdam": "westeurope", "Amsterdam2": "westeurope", "London": "uksouth",
    "Frankfurt": "germanywestcentral", "Paris": "francecentral", "Dublin": "northeurope",
    "Silicon Valley": "westus", "Washington DC": "eastus", "Chicago": "northcentralus",
    "Dallas": "southcentralus", "New York": "eastus", "Seattle": "westus2",
    "Toronto": "canadacentral", "Canberra": "australiacentral",
    "Zurich": "switzerlandnorth", "Singapore": "southeastasia", "Hong Kong": "eastasia",
    "Tokyo": "japaneast", "Sydney": "australiaeast", "Melbourne": "australiasoutheast",
    "Mumbai": "westindia", "Sao Paulo": "brazilsouth", "Johannesburg": "southafricanorth",
    "Dubai2": "uaenorth", "Queretaro (Mexico)": "mexicocentral",
}

PROVISIONING_COLUMNS = FileSchema(
    "customers.csv",
    (
        Column("customer_id", "str", required=True,
               description="The customer, as in the planning columns."),
        Column("resource_group", "pattern", default="", pattern=RESOURCE_GROUP_PATTERN,
               describe="an Azure resource-group name: 1 to 90 letters, digits, '_', '-', "
                        "'.', '(' or ')', not ending with '.'",
               description="Resource group of the customer's circuits; empty uses the settings' "
                           "pattern."),
        Column("region", "pattern", default="", pattern=REGION_PATTERN,
               describe="an Azure region in programmatic form such as westeurope",
               description="Azure region of the circuit resources; empty uses the peering "
                           "location's region from the settings."),
        Column("customer_asn", "int", default=0, minimum=1, maximum=MAX_ASN,
               unit="ASN",
               description="Peer BGP ASN of the customer's own edge, used instead of the CSP's; 1"
                           " to 4294967295, not 65515-65520; empty for the CSP's."),
        Column("forced_tunneling", "bool", default=False,
               description="Whether on-premises advertises the default route 0.0.0.0/0 over "
                           "private peering."),
        Column("encryption", "enum", default="none", choices=ENCRYPTION_CHOICES,
               description="Encryption over the circuit: none, or ipsec (a VPN over private "
                           "peering)."),
    ),
)


@dataclass(frozen=True)
class ProvisioningSettings:
    """CSP-wide provisioning choices.

    Parameters
    ----------
    asn : int
        The CSP's BGP ASN, the peer ASN of connect-through circuits.
    pools : tuple of str
        IPv4 networks from which each circuit's private-peering /29 is taken, in order.
    vlan_min, vlan_max : int
        Inclusive VLAN ID range; an ID is used once per peering location.
    resource_group : str
        Pattern of a customer's resource group; ``{customer}`` is replaced.
    gateway_id : str
        Pattern of the resource ID of a vNet's ExpressRoute gateway; ``{subscription}``,
        ``{customer}`` and ``{vnet}`` (``vnet-01``, ...) are replaced.
    vnet_region : str
        Azure region of the customers' vNets and so of their ExpressRoute gateways, where
        each gateway connection lives; empty for the region of the primary site.
    md5_key_vault : str
        Key Vault holding the BGP MD5 keys; empty for no MD5.
    md5_key_vault_subscription, md5_key_vault_resource_group : str
        The CSP's subscription and resource group holding that vault (required with it).
    md5_secret : str
        Pattern of a circuit's secret name in that vault; ``{circuit}`` is replaced.
    direct_subscription : str
        The CSP's subscription holding its ExpressRoute Direct ports (all zeros: unknown).
    direct_resource_group : str
        Resource group of those ports and their authorizations.
    direct_encapsulation : str
        ``Dot1Q`` or ``QinQ``: the ports' encapsulation (fixed when a port is made).
    regions : dict of str to str
        Azure region per peering location, over :data:`LOCAL_REGIONS`.
    source : str
        Where the settings came from, for messages.
    """

    asn: int = 64512
    pools: tuple[str, ...] = ("10.224.0.0/16",)
    vlan_min: int = 100
    vlan_max: int = 3999
    resource_group: str = "rg-{customer}-expressroute"
    gateway_id: str = ("/subscriptions/{subscription}/resourceGroups/rg-{customer}-network"
                       "/providers/Microsoft.Network/virtualNetworkGateways/vgw-{customer}-{vnet}")
    vnet_region: str = ""
    md5_key_vault: str = ""
    md5_key_vault_subscription: str = ""
    md5_key_vault_resource_group: str = ""
    md5_secret: str = "bgp-md5-{circuit}"
    direct_subscription: str = ZERO_SUBSCRIPTION
    direct_resource_group: str = "rg-csp-expressroute-direct"
    direct_encapsulation: str = "Dot1Q"
    regions: dict[str, str] = field(default_factory=dict)
    source: str = "built-in defaults"

    def region_of(self, peering_location: str) -> str | None:
        """The Azure region for a peering location, or None when unknown."""
        return self.regions.get(peering_location, LOCAL_REGIONS.get(peering_location))

    @property
    def md5_key_vault_id(self) -> str:
        """The Azure resource ID of the MD5 Key Vault, or empty without MD5."""
        if not self.md5_key_vault:
            return ""
        return (f"/subscriptions/{self.md5_key_vault_subscription}/resourceGroups/"
                f"{self.md5_key_vault_resource_group}/providers/Microsoft.KeyVault/vaults/"
                f"{self.md5_key_vault}")


def asn_problem(asn: int) -> str | None:
    """Why ``asn`` cannot be a private-peering peer ASN, or None when it can."""
    if not 1 <= asn <= MAX_ASN:
        return f"{asn} is not a 2- or 4-byte ASN (1 to {MAX_ASN})"
    if asn in RESERVED_ASNS:
        return f"{asn} is reserved by Microsoft (65515 to 65520)"
    return None


def _get(table: dict[str, Any], key: str, kind: type[_T], default: _T, where: str,
         issues: list[InputIssue], file: str) -> _T:
    value = table.get(key, default)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        issues.append(InputIssue(file, 0, f"{where}.{key}",
                                f"{where}.{key} must be a {kind.__name__}, not {value!r}"))
        return default
    return value


def read_toml(path: str | Path) -> dict[str, Any]:
    """The settings file as a dictionary.

    Raises
    ------
    InputError
        Naming the file when it is missing, unreadable or not TOML.
    """
    file = str(path)
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([InputIssue(file, 0, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError([InputIssue(file, 0, "", f"cannot read it as TOML: {error}")]) from None


def read_settings(path: str | Path | None) -> ProvisioningSettings:
    """Read and validate a provisioning settings file (TOML).

    Parameters
    ----------
    path : str or Path or None
        The file; None gives :class:`ProvisioningSettings` defaults.

    Returns
    -------
    ProvisioningSettings

    Raises
    ------
    InputError
        Naming the file and the key of every problem.
    """
    if path is None:
        return ProvisioningSettings()
    file = str(path)
    data = read_toml(path)
    defaults = ProvisioningSettings()
    issues: list[InputIssue] = []
    bgp, peering = data.get("bgp", {}), data.get("peering", {})
    names, secrets = data.get("names", {}), data.get("secrets", {})
    direct = data.get("direct", {})
    regions, vnets = data.get("regions", {}), data.get("vnets", {})
    asn = _get(bgp, "asn", int, defaults.asn, "bgp", issues, file)
    if (why := asn_problem(int(asn))) is not None:
        issues.append(InputIssue(file, 0, "bgp.asn", f"bgp.asn: {why}"))
    pools = _get(peering, "pools", list, list(defaults.pools), "peering", issues, file)
    networks = []
    for text in pools:
        try:
            network = ipaddress.IPv4Network(str(text))
        except ValueError as error:
            issues.append(InputIssue(file, 0, "peering.pools", f"peering.pools: {error}"))
            continue
        if network.prefixlen > 29:
            issues.append(InputIssue(file, 0, "peering.pools",
                                    f"peering.pools: {text} is smaller than one /29"))
        networks.append(network)
    for i, a in enumerate(networks):
        for b in networks[i + 1:]:
            if a.overlaps(b):
                issues.append(InputIssue(file, 0, "peering.pools",
                                        f"peering.pools: {a} overlaps {b}"))
    vlan_min = int(_get(peering, "vlan_min", int, defaults.vlan_min, "peering", issues, file))
    vlan_max = int(_get(peering, "vlan_max", int, defaults.vlan_max, "peering", issues, file))
    if not 1 <= vlan_min <= vlan_max <= 4094:
        issues.append(InputIssue(file, 0, "peering.vlan_min", (
            f"peering: VLAN range {vlan_min}..{vlan_max} must lie within 1..4094")))
    text_values = {}
    # (table, its name, key in the file, field of ProvisioningSettings)
    for table, where, key, name in (
            (names, "names", "resource_group", "resource_group"),
            (names, "names", "gateway_id", "gateway_id"),
            (vnets, "vnets", "region", "vnet_region"),
            (secrets, "secrets", "md5_key_vault", "md5_key_vault"),
            (secrets, "secrets", "md5_key_vault_subscription", "md5_key_vault_subscription"),
            (secrets, "secrets", "md5_key_vault_resource_group", "md5_key_vault_resource_group"),
            (secrets, "secrets", "md5_secret", "md5_secret"),
            (direct, "direct", "subscription", "direct_subscription"),
            (direct, "direct", "resource_group", "direct_resource_group"),
            (direct, "direct", "encapsulation", "direct_encapsulation")):
        text_values[name] = str(_get(table, key, str, getattr(defaults, name), where, issues,
                                     file))
    for key, needed in (("resource_group", "{customer}"), ("gateway_id", "{vnet}")):
        if needed not in text_values[key]:
            issues.append(InputIssue(file, 0, f"names.{key}",
                                    f"names.{key} must contain {needed}"))
    if text_values["md5_key_vault"] and "{circuit}" not in text_values["md5_secret"]:
        issues.append(InputIssue(file, 0, "secrets.md5_secret",
                                "secrets.md5_secret must contain {circuit}"))
    subscription = text_values["md5_key_vault_subscription"]
    if text_values["md5_key_vault"] and not re.fullmatch(SUBSCRIPTION_PATTERN, subscription):
        issues.append(InputIssue(file, 0, "secrets.md5_key_vault_subscription", (
            "secrets.md5_key_vault_subscription: the CSP's subscription ID holding "
            f"md5_key_vault (a GUID) is needed with it, not {subscription!r}")))
    group = text_values["md5_key_vault_resource_group"]
    if text_values["md5_key_vault"] and not re.fullmatch(RESOURCE_GROUP_PATTERN, group):
        issues.append(InputIssue(file, 0, "secrets.md5_key_vault_resource_group", (
            "secrets.md5_key_vault_resource_group: the resource group of md5_key_vault is "
            f"needed with it, not {group!r}")))
    if not re.fullmatch(SUBSCRIPTION_PATTERN, text_values["direct_subscription"]):
        issues.append(InputIssue(file, 0, "direct.subscription", (
            "direct.subscription: the CSP's subscription ID holding its ExpressRoute Direct "
            f"ports (a GUID), not {text_values['direct_subscription']!r}")))
    if not re.fullmatch(RESOURCE_GROUP_PATTERN, text_values["direct_resource_group"]):
        issues.append(InputIssue(file, 0, "direct.resource_group", (
            "direct.resource_group: not an Azure resource-group name: "
            f"{text_values['direct_resource_group']!r}")))
    if text_values["direct_encapsulation"] not in ENCAPSULATIONS:
        issues.append(InputIssue(file, 0, "direct.encapsulation", (
            f"direct.encapsulation: {text_values['direct_encapsulation']!r} is not one of "
            f"{', '.join(ENCAPSULATIONS)}")))
    if text_values["vnet_region"] and not re.fullmatch(REGION_PATTERN,
                                                       text_values["vnet_region"]):
        issues.append(InputIssue(file, 0, "vnets.region", (
            f"vnets.region: {text_values['vnet_region']!r} is not an Azure region in "
            "programmatic form such as westeurope")))
    for location, region in regions.items():
        if not isinstance(region, str) or not re.fullmatch(REGION_PATTERN, region):
            issues.append(InputIssue(file, 0, f"regions.{location}", (
                f"regions.{location}: {region!r} is not an Azure region in programmatic "
                "form such as westeurope")))
    if issues:
        raise InputError(issues)
    return ProvisioningSettings(
        asn=int(asn), pools=tuple(str(n) for n in networks), vlan_min=vlan_min,
        vlan_max=vlan_max, resource_group=text_values["resource_group"],
        gateway_id=text_values["gateway_id"], vnet_region=text_values["vnet_region"],
        md5_key_vault=text_values["md5_key_vault"],
        md5_key_vault_subscription=text_values["md5_key_vault_subscription"],
        md5_key_vault_resource_group=text_values["md5_key_vault_resource_group"],
        md5_secret=text_values["md5_secret"],
        direct_subscription=text_values["direct_subscription"],
        direct_resource_group=text_values["direct_resource_group"],
        direct_encapsulation=text_values["direct_encapsulation"], regions=dict(regions),
        source=file)


def read_customer_options(customers: pd.DataFrame, file: str = "customers.csv"
                          ) -> pd.DataFrame:
    """Type and check the optional provisioning columns of customers.csv.

    Parameters
    ----------
    customers : pandas.DataFrame
        customers.csv as read (every cell as text); missing columns take their defaults.
    file : str
        File name for messages.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` and the columns of :data:`PROVISIONING_COLUMNS`, indexed by
        ``customer_id``.

    Raises
    ------
    InputError
        Naming file, row and column of every bad cell.
    """
    issues: list[InputIssue] = []
    table = parse_table(customers, PROVISIONING_COLUMNS, file, issues)
    for row, asn in zip(table["_row"], table["customer_asn"], strict=True):
        if asn and (why := asn_problem(int(asn))) is not None:
            issues.append(InputIssue(file, int(row), "customer_asn", why))
    if issues:
        raise InputError(issues)
    return table.drop(columns="_row").drop_duplicates("customer_id").set_index("customer_id")

"""Provisioning manifests: the plan turned into files provisioning tools consume.

See :func:`planner.provision.portfolio.build_portfolio` and
:func:`planner.provision.portfolio.write_manifests`.
"""

from planner.provision.manifest import MANIFEST_VERSION, circuits_from_manifests, load_schema
from planner.provision.portfolio import (
    FORMATS,
    MANIFESTS_DIR,
    ProvisioningInputs,
    build_portfolio,
    check_regions,
    read_provisioning,
    write_manifests,
)

__all__ = [
    "FORMATS",
    "MANIFESTS_DIR",
    "MANIFEST_VERSION",
    "ProvisioningInputs",
    "build_portfolio",
    "check_regions",
    "circuits_from_manifests",
    "load_schema",
    "read_provisioning",
    "write_manifests",
]

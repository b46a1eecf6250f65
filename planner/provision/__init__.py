"""Provisioning manifests: the plan turned into files provisioning tools consume.

See :func:`planner.provision.portfolio.prepare_portfolio` and
:func:`planner.provision.portfolio.write_portfolio` (or ``build_portfolio`` and
``write_manifests`` to hold the manifests in memory first).
"""

from planner.provision.manifest import MANIFEST_VERSION, circuits_from_manifests, load_schema
from planner.provision.portfolio import (
    FORMATS,
    MANIFESTS_DIR,
    Portfolio,
    ProvisioningInputs,
    build_portfolio,
    check_regions,
    prepare_portfolio,
    read_provisioning,
    write_manifests,
    write_portfolio,
)

__all__ = [
    "FORMATS",
    "MANIFESTS_DIR",
    "MANIFEST_VERSION",
    "Portfolio",
    "ProvisioningInputs",
    "build_portfolio",
    "check_regions",
    "circuits_from_manifests",
    "load_schema",
    "prepare_portfolio",
    "read_provisioning",
    "write_manifests",
    "write_portfolio",
]

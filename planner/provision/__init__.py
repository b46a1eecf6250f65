"""Provisioning manifests: the plan turned into files provisioning tools consume.

See :func:`planner.provision.portfolio.build_portfolio` and
:func:`planner.provision.portfolio.write_manifests`.
"""

from planner.provision.manifest import MANIFEST_VERSION, circuits_from_manifests, load_schema
from planner.provision.portfolio import (
    FORMATS,
    ProvisioningInputs,
    build_portfolio,
    read_provisioning,
    write_manifests,
)

__all__ = [
    "FORMATS",
    "MANIFEST_VERSION",
    "ProvisioningInputs",
    "build_portfolio",
    "circuits_from_manifests",
    "load_schema",
    "read_provisioning",
    "write_manifests",
]

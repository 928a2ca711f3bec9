"""Curated EC2 instance types for workstations, with the CPU architecture of each.

The architecture picks the image: offering a Graviton type with an x86 image makes the launch
fail, which is what the reference catalog did.
"""

from aws_cdk import CfnMapping
from constructs import Construct

_FAMILIES = {
    "x86": {
        "t3": ("small", "medium", "large", "xlarge", "2xlarge"),
        "m7i": ("large", "xlarge", "2xlarge", "4xlarge"),
        "c7i": ("large", "xlarge", "2xlarge", "4xlarge"),
        "r7i": ("large", "xlarge", "2xlarge", "4xlarge"),
    },
    "arm64": {
        "t4g": ("small", "medium", "large", "xlarge", "2xlarge"),
        "m7g": ("large", "xlarge", "2xlarge", "4xlarge"),
        "c7g": ("large", "xlarge", "2xlarge", "4xlarge"),
        "r7g": ("large", "xlarge", "2xlarge", "4xlarge"),
    },
}

INSTANCE_ARCHITECTURES: dict[str, str] = {
    f"{family}.{size}": architecture
    for architecture, families in _FAMILIES.items()
    for family, sizes in families.items()
    for size in sizes
}


def instance_type_names() -> tuple[str, ...]:
    return tuple(INSTANCE_ARCHITECTURES)


def instance_type_mapping(scope: Construct) -> CfnMapping:
    return CfnMapping(
        scope,
        "InstanceTypes",
        mapping={name: {"Arch": arch} for name, arch in INSTANCE_ARCHITECTURES.items()},
    )

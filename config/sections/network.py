"""`network:` the VPC of provisioned products: created by the catalog or an existing one.

Also the network of each spoke account (`spokes:`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, Field, model_validator

from config.errors import Violation, raise_all
from config.types import STRICT, SubnetId, cidr, matching, unique

# Name of the key that selects the network variant.
NETWORK_DISCRIMINATOR = "mode"

VPC_ID_RE = re.compile(r"^vpc-[0-9a-f]{8,17}$")
VpcId = Annotated[
    str, matching(VPC_ID_RE, f"{{value}} is not a VPC ID; must match {VPC_ID_RE.pattern}")
]
# Each availability zone gets a /20 subnet for products and a /26 for its NAT gateway
# (catalog_constructs/shared/network.py); the CDK allocates them in order, each block aligned
# to its size, so the VPC holds max_azs + 1 blocks of /20: /18 for 2 or 3 zones, /17 for 4 to 7.
PRODUCT_SUBNET_PREFIX = 20
Cidr = Annotated[str, cidr(16, 18)]
# AWS allows VPC CIDR blocks from /16 to /28.
ExistingVpcCidr = Annotated[str, cidr(16, 28)]


# The interface endpoints the catalog can create, by config name (catalog_constructs.shared.
# network.INTERFACE_ENDPOINTS maps them to services). Without a NAT gateway, instances reach
# these AWS APIs only through the endpoints (config.rules.sections.endpoints_without_nat).
EndpointName = Literal[
    "ssm",
    "ssmmessages",
    "ec2messages",
    "logs",
    "monitoring",
    "kms",
    "sts",
    "sagemaker-api",
    "sagemaker-runtime",
]
ENDPOINT_NAMES: tuple[EndpointName, ...] = get_args(EndpointName)
Endpoints = Annotated[list[EndpointName], unique("endpoint")]
# What instances need when nothing else reaches AWS: Session Manager (ssm, ssmmessages,
# ec2messages), the CloudWatch agent (logs, monitoring), encrypted volumes (kms), the instance
# role (sts). SageMaker's are needed only by Studio teams (config.rules.sections).
ENDPOINTS_WITHOUT_NAT = ("ssm", "ssmmessages", "ec2messages", "logs", "monitoring", "kms", "sts")
STUDIO_ENDPOINTS = ("sagemaker-api", "sagemaker-runtime")
ENDPOINTS_DESCRIPTION = (
    "Interface endpoints to create (each costs per AZ and hour): any of "
    + ", ".join(ENDPOINT_NAMES)
    + "; default all. Without them, traffic to those APIs goes through the NAT gateway."
)


def largest_prefix_for(max_azs: int) -> int:
    """The longest VPC prefix that holds max_azs + 1 aligned /20 blocks."""
    return PRODUCT_SUBNET_PREFIX - (max_azs).bit_length()


class CreateVpcNetwork(BaseModel):
    """The catalog creates its own VPC."""

    model_config = STRICT

    mode: Literal["create"] = Field(description="'create': the catalog creates a VPC.")
    cidr: Cidr = Field(
        description=(
            "IPv4 CIDR block of the new VPC: /18 or larger for 2 or 3 availability zones, /17 "
            "or larger for 4 to 6 (each zone gets a /20 for products)."
        )
    )
    max_azs: int = Field(default=2, ge=2, le=6, description="Availability zones to use, 2..6.")
    nat_gateways: int = Field(
        default=1, ge=0, le=6, description="NAT gateways, 0..6 and at most max_azs."
    )
    endpoints: Endpoints = Field(
        default_factory=lambda: list(ENDPOINT_NAMES), description=ENDPOINTS_DESCRIPTION
    )
    endpoint_azs: int | None = Field(
        default=None,
        ge=1,
        le=6,
        description=(
            "Availability zones the interface endpoints are placed in, 1..max_azs (default: "
            "all); instances in other AZs reach them across AZs."
        ),
    )

    @model_validator(mode="after")
    def _fits_the_zones(self) -> CreateVpcNetwork:
        violations: list[Violation] = []
        if self.endpoint_azs is not None and self.endpoint_azs > self.max_azs:
            violations.append(
                (
                    ("endpoint_azs",),
                    f"endpoint_azs {self.endpoint_azs} is more than max_azs {self.max_azs}; "
                    f"allowed: 1..{self.max_azs}",
                    self.endpoint_azs,
                )
            )
        missing = [name for name in ENDPOINTS_WITHOUT_NAT if name not in self.endpoints]
        if self.nat_gateways == 0 and missing:
            violations.append(
                (
                    ("endpoints",),
                    f"with nat_gateways 0 the private subnets reach AWS only through "
                    f"interface endpoints, and {', '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} missing: instances could not "
                    "start Session Manager, ship logs or decrypt their volumes; add "
                    f"{', '.join(missing)} or set nat_gateways to 1",
                    self.endpoints,
                )
            )
        if self.nat_gateways > self.max_azs:
            violations.append(
                (
                    ("nat_gateways",),
                    f"nat_gateways {self.nat_gateways} is more than max_azs {self.max_azs}; "
                    f"allowed: 0..{self.max_azs} (at most one NAT gateway per AZ)",
                    self.nat_gateways,
                )
            )
        prefix = int(self.cidr.split("/")[1])
        largest = largest_prefix_for(self.max_azs)
        if prefix > largest:
            violations.append(
                (
                    ("cidr",),
                    f"{self.cidr!r} is too small for max_azs {self.max_azs}: each zone gets a "
                    f"/{PRODUCT_SUBNET_PREFIX} for products and a /26 for NAT; allowed: "
                    f"/{largest} or larger (e.g. {self.cidr.split('/')[0]}/{largest}), or fewer "
                    "zones",
                    self.cidr,
                )
            )
        raise_all(violations)
        return self


class ExistingNetwork(BaseModel):
    """The catalog uses a VPC that already exists in the stage account."""

    model_config = STRICT

    mode: Literal["existing"] = Field(description="'existing': use a VPC that already exists.")
    vpc_id: VpcId = Field(description="ID of the existing VPC, e.g. vpc-0123456789abcdef0.")
    private_subnet_ids: Annotated[list[SubnetId], unique("subnet ID")] = Field(
        min_length=1, description="Private subnets of that VPC for instances (at least one)."
    )
    vpc_cidr: ExistingVpcCidr | None = Field(
        default=None,
        description=(
            "Primary IPv4 CIDR block of the VPC; required with create_endpoints (the endpoints "
            "admit HTTPS from it)."
        ),
    )
    create_endpoints: bool = Field(
        default=False,
        description="Create the VPC interface endpoints (SSM etc.) the products need.",
    )
    endpoints: Endpoints = Field(
        default_factory=lambda: list(ENDPOINT_NAMES),
        description="With create_endpoints: " + ENDPOINTS_DESCRIPTION,
    )

    @model_validator(mode="after")
    def _cidr_for_endpoints(self) -> ExistingNetwork:
        if self.create_endpoints and self.vpc_cidr is None:
            raise_all(
                [
                    (
                        ("vpc_cidr",),
                        "missing required key 'vpc_cidr': with create_endpoints true, give the "
                        "VPC's IPv4 CIDR block (e.g. 10.20.0.0/16); the endpoints admit HTTPS "
                        "from it",
                        None,
                    )
                ]
            )
        return self


Network = Annotated[CreateVpcNetwork | ExistingNetwork, Field(discriminator=NETWORK_DISCRIMINATOR)]

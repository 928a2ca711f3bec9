"""config.sections.network: a created or an existing VPC."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.example_configs import (
    DEV_FILE,
    EXISTING_NETWORK,
    BadCase,
    as_params,
    assert_bad_input,
)

BAD_CASES: list[BadCase] = [
    (
        "network-keys-of-both-modes",
        "dev",
        [("  cidr: 10.60.0.0/16\n", "  cidr: 10.60.0.0/16\n  vpc_id: vpc-0123456789abcdef0\n")],
        DEV_FILE,
        "network.vpc_id",
        [
            "unknown key 'vpc_id' for mode 'create'",
            "allowed keys: mode, cidr, max_azs, nat_gateways, endpoints, endpoint_azs",
            "'vpc_id' belongs to mode 'existing'",
        ],
        1,
    ),
    (
        "bad-network-mode",
        "dev",
        [("mode: create", "mode: hybrid")],
        DEV_FILE,
        "network.mode",
        ["got 'hybrid'", "allowed values: create, existing"],
        1,
    ),
    (
        "missing-network-mode",
        "dev",
        [("  mode: create\n", "")],
        DEV_FILE,
        "network.mode",
        ["missing required key 'mode'", "allowed values: create, existing"],
        1,
    ),
    (
        "nat-gateways-more-than-azs",
        "dev",
        [("  cidr: 10.60.0.0/16\n", "  cidr: 10.60.0.0/16\n  max_azs: 2\n  nat_gateways: 3\n")],
        DEV_FILE,
        "network.nat_gateways",
        ["nat_gateways 3 is more than max_azs 2", "allowed: 0..2"],
        1,
    ),
    (
        "endpoints-missing-without-nat",
        "dev",
        [
            (
                "  cidr: 10.60.0.0/16\n",
                "  cidr: 10.60.0.0/16\n  nat_gateways: 0\n  endpoints: [ssm, ssmmessages]\n",
            )
        ],
        DEV_FILE,
        "network.endpoints",
        [
            "with nat_gateways 0 the private subnets reach AWS only through interface endpoints",
            "ec2messages, logs, monitoring, kms, sts are missing",
            "or set nat_gateways to 1",
        ],
        1,
    ),
    (
        "unknown-endpoint",
        "dev",
        [("  cidr: 10.60.0.0/16\n", "  cidr: 10.60.0.0/16\n  endpoints: [ssm, s3]\n")],
        DEV_FILE,
        "network.endpoints[1]",
        ["got 's3'", "allowed values: ssm, ssmmessages, ec2messages"],
        1,
    ),
    (
        "endpoint-azs-more-than-azs",
        "dev",
        [("  cidr: 10.60.0.0/16\n", "  cidr: 10.60.0.0/16\n  endpoint_azs: 3\n")],
        DEV_FILE,
        "network.endpoint_azs",
        ["endpoint_azs 3 is more than max_azs 2", "allowed: 1..2"],
        1,
    ),
    (
        "max-azs-out-of-range",
        "dev",
        [("  cidr: 10.60.0.0/16\n", "  cidr: 10.60.0.0/16\n  max_azs: 7\n")],
        DEV_FILE,
        "network.max_azs",
        ["got 7", "allowed range: 2..6"],
        1,
    ),
    (
        "max-azs-as-string",
        "dev",
        [("  cidr: 10.60.0.0/16\n", '  cidr: 10.60.0.0/16\n  max_azs: "3"\n')],
        DEV_FILE,
        "network.max_azs",
        ["expected an integer, got string '3'"],
        1,
    ),
    (
        "cidr-prefix-too-wide",
        "dev",
        [("cidr: 10.60.0.0/16", "cidr: 10.0.0.0/8")],
        DEV_FILE,
        "network.cidr",
        ["'10.0.0.0/8' has prefix length /8", "allowed: /16../18"],
        1,
    ),
    # The CDK splits the VPC into a /20 per zone for products and a /26 for NAT; a smaller VPC
    # passed config and failed synth ("1 of /20 exceeds remaining space of 10.60.0.0/19").
    (
        "cidr-too-small-for-any-zones",
        "dev",
        [("cidr: 10.60.0.0/16", "cidr: 10.60.0.0/19")],
        DEV_FILE,
        "network.cidr",
        ["'10.60.0.0/19' has prefix length /19", "allowed: /16../18"],
        1,
    ),
    (
        "cidr-too-small-for-four-zones",
        "dev",
        [("  cidr: 10.60.0.0/16\n", "  cidr: 10.60.0.0/18\n  max_azs: 4\n")],
        DEV_FILE,
        "network.cidr",
        [
            "'10.60.0.0/18' is too small for max_azs 4: each zone gets a /20 for products",
            "allowed: /17 or larger (e.g. 10.60.0.0/17), or fewer zones",
        ],
        1,
    ),
    (
        "cidr-not-an-address",
        "dev",
        [("cidr: 10.60.0.0/16", "cidr: 10.60.0.300/16")],
        DEV_FILE,
        "network.cidr",
        ["'10.60.0.300/16' is not an IPv4 CIDR block", "expected e.g. 10.60.0.0/16"],
        1,
    ),
    (
        "cidr-host-bits-set",
        "dev",
        [("cidr: 10.60.0.0/16", "cidr: 10.60.1.0/16")],
        DEV_FILE,
        "network.cidr",
        ["has host bits set; did you mean 10.60.0.0/16?"],
        1,
    ),
    (
        "bad-subnet-id",
        "dev",
        [
            ("network:\n  mode: create\n  cidr: 10.60.0.0/16\n", EXISTING_NETWORK),
            ("[subnet-0123456789abcdef0]", "[subnet-0123456789abcdef0, subnet-XYZ]"),
        ],
        DEV_FILE,
        "network.private_subnet_ids[1]",
        ["'subnet-XYZ' is not a subnet ID", "must match ^subnet-[0-9a-f]{8,17}$"],
        1,
    ),
    (
        "no-subnets",
        "dev",
        [
            ("network:\n  mode: create\n  cidr: 10.60.0.0/16\n", EXISTING_NETWORK),
            ("[subnet-0123456789abcdef0]", "[]"),
        ],
        DEV_FILE,
        "network.private_subnet_ids",
        ["must not be empty", "at least 1 entry"],
        1,
    ),
    (
        "bad-vpc-id",
        "dev",
        [
            ("network:\n  mode: create\n  cidr: 10.60.0.0/16\n", EXISTING_NETWORK),
            ("vpc-0123456789abcdef0", "vpc-12"),
        ],
        DEV_FILE,
        "network.vpc_id",
        ["'vpc-12' is not a VPC ID", "must match ^vpc-[0-9a-f]{8,17}$"],
        1,
    ),
    (
        "endpoints-without-vpc-cidr",
        "dev",
        [
            ("network:\n  mode: create\n  cidr: 10.60.0.0/16\n", EXISTING_NETWORK),
            ("  vpc_id:", "  create_endpoints: true\n  vpc_id:"),
        ],
        DEV_FILE,
        "network.vpc_cidr",
        ["missing required key 'vpc_cidr'", "with create_endpoints true", "e.g. 10.20.0.0/16"],
        1,
    ),
    (
        "bad-existing-vpc-cidr",
        "dev",
        [
            ("network:\n  mode: create\n  cidr: 10.60.0.0/16\n", EXISTING_NETWORK),
            ("  vpc_id:", "  vpc_cidr: 10.20.0.0/29\n  vpc_id:"),
        ],
        DEV_FILE,
        "network.vpc_cidr",
        ["'10.20.0.0/29' has prefix length /29", "allowed: /16../28"],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)

"""The test helper that evaluates IAM policies (``tests/iam_policy.py``) decides the cases the
security tests rely on as IAM's documentation describes them."""

import pytest

from tests.iam_policy import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Request, decide

ROLE = "arn:aws:iam::111111111111:role/R"


def request(**context: str | list[str]) -> Request:
    return Request(
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        principal_arn=ROLE,
        account="111111111111",
        resource_account="111111111111",
        context=context,
    )


def test_explicit_deny_beats_allow_and_nothing_means_implicit_deny() -> None:
    allow = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    deny = {"Effect": "Deny", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}
    assert decide(request(), identity=[allow]) == ALLOW
    assert decide(request(), identity=[allow], resource=[{**deny, "Principal": "*"}]) == (
        EXPLICIT_DENY
    )
    assert decide(request()) == IMPLICIT_DENY


def test_negated_operators_match_a_missing_key_and_positive_ones_do_not() -> None:
    negated = {"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}
    positive = {"StringEquals": {"aws:SourceVpc": "vpc-1"}}
    deny = {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}
    allow = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    assert decide(request(), resource=[{**deny, "Condition": negated}]) == EXPLICIT_DENY
    assert decide(request(), resource=[{**allow, "Condition": positive}]) == IMPLICIT_DENY
    assert (
        decide(request(**{"aws:SourceVpc": "vpc-1"}), resource=[{**allow, "Condition": positive}])
        == ALLOW
    )


def test_cross_account_needs_both_sides() -> None:
    foreign = Request(**{**request().__dict__, "resource_account": "222222222222"})
    identity = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
    assert decide(foreign, identity=identity) == IMPLICIT_DENY
    bucket = [{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:*", "Resource": "*"}]
    assert decide(foreign, identity=identity, resource=bucket) == ALLOW


def test_not_resource_and_set_operators() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "NotResource": "arn:aws:s3:::b/k",
    }
    assert decide(request(), resource=[deny]) == IMPLICIT_DENY
    called_via = {"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}}
    allow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": called_via}
    assert decide(request(), identity=[allow]) == IMPLICIT_DENY
    chain = request(**{"aws:CalledVia": ["cloudformation.amazonaws.com"]})
    assert decide(chain, identity=[allow]) == ALLOW


def test_unmodelled_operators_fail_loudly() -> None:
    allow = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    }
    with pytest.raises(NotImplementedError):
        decide(request(**{"aws:SourceIp": "10.1.2.3"}), identity=[allow])

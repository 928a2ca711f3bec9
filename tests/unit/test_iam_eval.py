"""The test helper that evaluates IAM policies (tests/iam_eval.py) against cases whose outcome
the IAM documentation states, so a policy test that relies on it relies on documented rules."""

from typing import Any

import pytest

from tests.iam_eval import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Request,
    decide,
    evaluate,
    resolve,
)


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


OWN_INSTANCES = _policy(
    {
        "Effect": "Allow",
        "Action": ["ec2:StartInstances", "ec2:StopInstances"],
        "Resource": "arn:aws:ec2:us-east-1:111111111111:instance/*",
        "Condition": {"StringEquals": {"aws:ResourceTag/owner": "${aws:userid}"}},
    }
)


def test_a_policy_variable_takes_the_callers_value() -> None:
    request = Request(
        "ec2:StopInstances",
        "arn:aws:ec2:us-east-1:111111111111:instance/i-1",
        {"aws:userid": "AROA:alice", "aws:ResourceTag/owner": "AROA:alice"},
    )
    assert evaluate(request, [OWN_INSTANCES]) == ALLOW
    other = Request(request.action, request.resource, {**request.context, "aws:userid": "AROA:bob"})
    assert evaluate(other, [OWN_INSTANCES]) == IMPLICIT_DENY


def test_a_condition_on_an_absent_key_fails_unless_negated_or_if_exists() -> None:
    request = Request("ec2:StopInstances", "arn:aws:ec2:us-east-1:111111111111:instance/i-1")
    assert evaluate(request, [OWN_INSTANCES]) == IMPLICIT_DENY
    deny_untagged = _policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "ec2:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:ResourceTag/owner": "x"}},
        },
    )
    assert evaluate(request, [deny_untagged]) == EXPLICIT_DENY
    if_exists = _policy(
        {
            "Effect": "Allow",
            "Action": "ec2:*",
            "Resource": "*",
            "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/owner": "x"}},
        }
    )
    assert evaluate(request, [if_exists]) == ALLOW


def test_set_operators_on_tag_keys() -> None:
    deny_reserved = _policy(
        {"Effect": "Allow", "Action": "sagemaker:AddTags", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "sagemaker:AddTags",
            "Resource": "*",
            "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["reserved:*"]}},
        },
    )
    add = Request("sagemaker:AddTags", "arn:x", {"aws:TagKeys": ["team", "reserved:owner"]})
    assert evaluate(add, [deny_reserved]) == EXPLICIT_DENY
    harmless = Request("sagemaker:AddTags", "arn:x", {"aws:TagKeys": ["team"]})
    assert evaluate(harmless, [deny_reserved]) == ALLOW
    # ForAnyValue over an absent key is false: nothing to deny.
    assert evaluate(Request("sagemaker:AddTags", "arn:x"), [deny_reserved]) == ALLOW


def test_the_boundary_caps_and_any_deny_wins() -> None:
    everything = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    boundary = _policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    assert (
        evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), [everything], boundary=boundary)
        == ALLOW
    )
    assert (
        evaluate(Request("s3:PutObject", "arn:aws:s3:::b/k"), [everything], boundary=boundary)
        == IMPLICIT_DENY
    )


def test_an_unresolvable_variable_makes_the_statement_apply_to_nothing() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "batch:SubmitJob",
            "Resource": "*",
            "Condition": {"StringEquals": {"batch:ShareIdentifier": "${aws:ResourceTag/share}"}},
        }
    )
    untagged = Request("batch:SubmitJob", "arn:x", {"batch:ShareIdentifier": "a"})
    assert evaluate(untagged, [policy]) == IMPLICIT_DENY
    tagged = Request(
        "batch:SubmitJob", "arn:x", {"batch:ShareIdentifier": "a", "aws:ResourceTag/share": "a"}
    )
    assert evaluate(tagged, [policy]) == ALLOW


def test_resolve_turns_intrinsics_into_strings() -> None:
    value = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "Bucket"}, "/*"]]
    }
    assert resolve(value, {"Bucket": "my-bucket"}) == "arn:aws:s3:::my-bucket/*"
    sub = {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${B}", {"B": {"Fn::GetAtt": ["X", "Arn"]}}]}
    assert resolve(sub, {"X.Arn": "x"}) == "arn:aws:s3:::x"


# --- decide: identity and resource policies (bucket, secret and function policies) ----------

DECIDE_ROLE = "arn:aws:iam::111111111111:role/R"


def decide_request(**context: str | list[str]) -> Request:
    return Request(
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        principal_arn=DECIDE_ROLE,
        account="111111111111",
        resource_account="111111111111",
        context=context,
    )


def test_decide_explicit_deny_beats_allow_and_nothing_means_implicit_deny() -> None:
    allow = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    deny = {"Effect": "Deny", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}
    assert decide(decide_request(), identity=[allow]) == ALLOW
    assert decide(decide_request(), identity=[allow], resource=[{**deny, "Principal": "*"}]) == (
        EXPLICIT_DENY
    )
    assert decide(decide_request()) == IMPLICIT_DENY


def test_decide_negated_operators_match_a_missing_key_and_positive_ones_do_not() -> None:
    negated = {"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}
    positive = {"StringEquals": {"aws:SourceVpc": "vpc-1"}}
    deny = {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}
    allow = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    assert decide(decide_request(), resource=[{**deny, "Condition": negated}]) == EXPLICIT_DENY
    assert decide(decide_request(), resource=[{**allow, "Condition": positive}]) == IMPLICIT_DENY
    assert (
        decide(
            decide_request(**{"aws:SourceVpc": "vpc-1"}),
            resource=[{**allow, "Condition": positive}],
        )
        == ALLOW
    )


def test_decide_cross_account_needs_both_sides_and_the_principal_must_match() -> None:
    foreign = Request(**{**decide_request().__dict__, "resource_account": "222222222222"})
    identity = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
    assert decide(foreign, identity=identity) == IMPLICIT_DENY
    bucket = [
        {"Effect": "Allow", "Principal": {"AWS": DECIDE_ROLE}, "Action": "s3:*", "Resource": "*"}
    ]
    assert decide(foreign, identity=identity, resource=bucket) == ALLOW
    other = [{**bucket[0], "Principal": {"AWS": "arn:aws:iam::111111111111:role/Other"}}]
    assert decide(foreign, identity=identity, resource=other) == IMPLICIT_DENY


def test_decide_not_resource_and_set_operators() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "NotResource": "arn:aws:s3:::b/k",
    }
    assert decide(decide_request(), resource=[deny]) == IMPLICIT_DENY
    called_via = {"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}}
    allow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": called_via}
    assert decide(decide_request(), identity=[allow]) == IMPLICIT_DENY
    chain = decide_request(**{"aws:CalledVia": ["cloudformation.amazonaws.com"]})
    assert decide(chain, identity=[allow]) == ALLOW


def test_decide_unmodelled_operators_fail_loudly() -> None:
    allow = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    }
    with pytest.raises(NotImplementedError):
        decide(decide_request(**{"aws:SourceIp": "10.1.2.3"}), identity=[allow])

"""The test helper that evaluates IAM policies (tests/iam_eval.py) against cases whose outcome
the IAM documentation states, so a policy test that relies on it relies on documented rules."""

from typing import Any

from tests.iam_eval import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Request,
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

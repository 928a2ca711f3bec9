"""The SignIn stack: who may assume the sign-in communities' roles and as whom, what the
service may do, how it faces the internet, and that no secret reaches any template."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

from aws_cdk import Stack

from catalog_constructs import contract
from catalog_constructs.sign_in.handler.sign_in_handlers import directory
from stacks.stage import community_stack_id
from tests.iam_eval import resolve
from tests.infrastructure.templates import resources
from tests.synth import STAGES, SynthesizedStage

SIGN_IN_COMMUNITY = "consortium"


def sign_in(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].stacks["SignIn"]


def function_role(template: dict[str, Any]) -> str:
    (function,) = resources(template, "AWS::Lambda::Function").values()
    return str(function["Properties"]["Role"]["Fn::GetAtt"][0])


def test_only_a_stage_with_sign_in_has_the_stack_and_it_deploys_first(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    assert "SignIn" in synthesized["dev"].stacks
    assert "SignIn" not in synthesized["prod"].stacks
    stacks = {s.node.id: s for s in synthesized["dev"].app.node.children if isinstance(s, Stack)}
    assert stacks["SignIn"].stack_name == "research-catalog-dev-sign-in"
    # The stacks that name its roles: the sign-in communities' own (portfolio principal,
    # end-user policy, budget action).
    config = synthesized["dev"].config
    for name, community in config.communities.items():
        later = stacks[community_stack_id(name)]
        assert (stacks["SignIn"] in later.dependencies) is (community.kind == "sign-in"), name


def test_community_roles_trust_only_the_service_acting_as_the_verified_user(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    template = sign_in(synthesized)
    roles = {
        r["Properties"]["RoleName"]: r["Properties"]
        for r in resources(template, "AWS::IAM::Role").values()
        if "RoleName" in r["Properties"]
    }
    assert list(roles) == [contract.sign_in_role_name(SIGN_IN_COMMUNITY)]
    role = roles[contract.sign_in_role_name(SIGN_IN_COMMUNITY)]
    assert role["MaxSessionDuration"] == 3600
    assert "Path" not in role and "ManagedPolicyArns" not in role and "Policies" not in role
    principal = {"AWS": {"Fn::GetAtt": [function_role(template), "Arn"]}}
    pinned = {
        "Null": {"sts:SourceIdentity": "false"},
        "StringEquals": {"sts:RoleSessionName": "${sts:SourceIdentity}"},
    }
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Sid": "OnlyTheSignInServiceAsTheVerifiedUser",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "sts:AssumeRole",
            "Condition": {
                **pinned,
                "StringLike": {"aws:RequestTag/research-catalog:username": "?*"},
            },
        },
        {
            "Sid": "SourceIdentityIsTheSessionName",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "sts:SetSourceIdentity",
            "Condition": pinned,
        },
        {
            "Sid": "OnlyTheCatalogsSessionTags",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "sts:TagSession",
            "Condition": {
                "ForAllValues:StringEquals": {
                    "aws:TagKeys": ["research-catalog:username", "research-catalog:email"]
                },
                "Null": {"sts:TransitiveTagKeys": "true"},
            },
        },
    ]


def test_the_service_may_assume_only_the_community_roles(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    template = sign_in(synthesized)
    role_id = function_role(template)
    role = template["Resources"][role_id]["Properties"]
    assert "Policies" not in role and "ManagedPolicyArns" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    (policy,) = [
        p["Properties"]
        for p in resources(template, "AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    statements = {s.get("Sid", ""): s for s in policy["PolicyDocument"]["Statement"]}
    assume = statements["AssumeOnlyTheSignInCommunityRoles"]
    assert assume["Action"] == ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    # By the name prefix (one ARN per community would overflow the policy at 250): it reaches
    # the sign-in communities' roles and no other role of the stage (below).
    assert assume["Resource"] == f"arn:aws:iam::111111111111:role/{contract.SIGN_IN_ROLE_PREFIX}*"
    assert fnmatch.fnmatchcase(
        f"arn:aws:iam::111111111111:role/{contract.sign_in_role_name(SIGN_IN_COMMUNITY)}",
        assume["Resource"],
    )
    assert statements["ReadTheSignInCommunities"] == {
        "Sid": "ReadTheSignInCommunities",
        "Effect": "Allow",
        "Action": "ssm:GetParametersByPath",
        "Resource": "arn:aws:ssm:us-east-1:111111111111:parameter"
        + contract.SIGN_IN_COMMUNITY_PARAMETER_ROOT,
    }
    secret = synthesized["dev"].config.sign_in.provider.client_secret_arn
    assert statements["ReadTheClientSecret"] == {
        "Sid": "ReadTheClientSecret",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": secret,
    }
    # Nothing else may reach STS, and no statement names every resource.
    for sid, statement in statements.items():
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        if sid != "AssumeOnlyTheSignInCommunityRoles":
            assert not any(a.startswith("sts:") for a in actions), sid
        if sid != "ReadTheSignInCommunities":
            assert not any(a.startswith("ssm:") for a in actions), sid
        assert statement["Resource"] != "*", sid
    assert set(statements) == {
        "WriteOwnLogs",
        "AssumeOnlyTheSignInCommunityRoles",
        "ReadTheClientSecret",
        "ReadTheSignInCommunities",
        "SingleUseSignInState",
        "RecordSignedInUsers",
    }


def test_the_community_role_is_the_portfolios_principal_with_the_end_user_policy(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    community = synthesized["dev"].stacks[community_stack_id(SIGN_IN_COMMUNITY)]
    role = contract.sign_in_role_name(SIGN_IN_COMMUNITY)
    assert f":iam::111111111111:role/{role}" in json.dumps(community)
    policies = [
        p["Properties"]
        for p in resources(community, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("Description", "").endswith(f"the {SIGN_IN_COMMUNITY} community")
    ]
    assert [p["Roles"] for p in policies] == [[role]]


def test_the_service_faces_the_internet_over_https_only_and_rate_limited(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    template = sign_in(synthesized)
    config = synthesized["dev"].config.sign_in
    (api,) = resources(template, "AWS::ApiGateway::RestApi").values()
    assert api["Properties"]["DisableExecuteApiEndpoint"] is True
    assert api["Properties"]["EndpointConfiguration"]["Types"] == ["REGIONAL"]
    (domain,) = resources(template, "AWS::ApiGateway::DomainName").values()
    assert domain["Properties"]["DomainName"] == config.domain_name
    assert domain["Properties"]["RegionalCertificateArn"] == config.certificate_arn
    assert domain["Properties"]["SecurityPolicy"] == "TLS_1_2"
    (stage,) = resources(template, "AWS::ApiGateway::Stage").values()
    (settings,) = stage["Properties"]["MethodSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (25, 50)
    access_log = stage["Properties"]["AccessLogSetting"]["Format"]
    assert "resourcePath" in access_log and "querystring" not in access_log.lower()
    (acl,) = resources(template, "AWS::WAFv2::WebACL").values()
    (rule,) = acl["Properties"]["Rules"]
    assert rule["Action"] == {"Block": {}}
    assert rule["Statement"]["RateBasedStatement"] == {
        "AggregateKeyType": "IP",
        "EvaluationWindowSec": 300,
        "Limit": config.requests_per_5_minutes_per_ip,
    }
    (association,) = resources(template, "AWS::WAFv2::WebACLAssociation").values()
    assert "/stages/" in json.dumps(association["Properties"]["ResourceArn"])
    (permission,) = resources(template, "AWS::Lambda::Permission").values()
    assert permission["Properties"]["Principal"] == "apigateway.amazonaws.com"
    assert json.dumps(permission["Properties"]["SourceArn"]).endswith('"/live/*/*"]]}')
    methods = resources(template, "AWS::ApiGateway::Method").values()
    assert sorted(m["Properties"]["AuthorizationType"] for m in methods) == ["NONE", "NONE"]


def test_no_secret_in_any_template(synthesized: dict[str, SynthesizedStage]) -> None:
    """The OAuth client secret is read by the function at run time: templates hold its ARN,
    in the function's settings and its IAM policy, and nothing resolves its value."""
    secret_arn = synthesized["dev"].config.sign_in.provider.client_secret_arn
    for stage_name in STAGES:
        for name, template in synthesized[stage_name].all_templates().items():
            text = json.dumps(template)
            for function in resources(template, "AWS::Lambda::Function").values():
                environment = json.dumps(function["Properties"].get("Environment", {}))
                assert "resolve:secretsmanager" not in environment, name
                assert "resolve:ssm-secure" not in environment, name
            for secret in resources(template, "AWS::SecretsManager::Secret").values():
                # Generated, or an empty initial value the owner fills in (job secrets).
                assert secret["Properties"].get("SecretString", "{}") == "{}", name
            if name != "SignIn":
                assert secret_arn not in text, name
    template = sign_in(synthesized)
    places = [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if secret_arn in json.dumps(resource)
    ]
    assert sorted(resources(template, "AWS::Lambda::Function")) + sorted(
        resources(template, "AWS::IAM::ManagedPolicy")
    ) == sorted(places)
    (function,) = resources(template, "AWS::Lambda::Function").values()
    settings = "".join(
        part
        for part in function["Properties"]["Environment"]["Variables"]["SIGN_IN_SETTINGS"][
            "Fn::Join"
        ][1]
        if isinstance(part, str)
    )
    assert '"client_secret_arn":' in settings and '"client_secret":' not in settings


def test_the_product_context_function_reads_the_sign_in_records_only_where_configured(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    for stage_name, expected in (("dev", True), ("prod", False)):
        shared = json.dumps(synthesized[stage_name].stacks["Shared"])
        assert ('"SIGN_IN_USERS_TABLE"' in shared) is expected, stage_name
        assert (f"table/{contract.SIGN_IN_USERS_TABLE_NAME}" in shared) is expected, stage_name
    # The function learns which communities sign in from their documents (community stacks).
    documents = {
        name: json.loads(resolve(value)) if not isinstance(value, str) else json.loads(value)
        for name in ("biomedical", SIGN_IN_COMMUNITY)
        for value in [
            r["Properties"]["Value"]
            for r in resources(
                synthesized["dev"].stacks[community_stack_id(name)], "AWS::SSM::Parameter"
            ).values()
            if r["Properties"]["Name"] == contract.community_parameter(name)
        ]
    }
    assert documents[SIGN_IN_COMMUNITY]["roles"] == [contract.sign_in_role_name(SIGN_IN_COMMUNITY)]
    assert documents[SIGN_IN_COMMUNITY].get("owner_email_template") is None
    assert documents[SIGN_IN_COMMUNITY]["sign_in"] is True
    assert documents["biomedical"]["sign_in"] is False


def test_no_other_role_of_the_stage_carries_the_sign_in_prefix(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    """The function may assume roles by the prefix research-catalog-sign-in-: the only roles of
    the stage with it are the sign-in communities' own (each trusting the function only as the
    verified user); every other named role has another name, and CDK names the rest after their
    stack, research-catalog-<stage>-... (config.rules.sign_in refuses a stage name that would
    give them the prefix, and configured roles with it)."""
    config = synthesized["dev"].config
    sign_in_roles = {
        contract.sign_in_role_name(name)
        for name, community in config.communities.items()
        if community.kind == "sign-in"
    }
    with_prefix = set()
    for template in synthesized["dev"].all_templates().values():
        for role in resources(template, "AWS::IAM::Role").values():
            name = role["Properties"].get("RoleName")
            if isinstance(name, str) and name.startswith(contract.SIGN_IN_ROLE_PREFIX):
                with_prefix.add(name)
            path = role["Properties"].get("Path", "/")
            assert not str(path).lstrip("/").startswith(contract.SIGN_IN_ROLE_PREFIX)
    assert with_prefix == sign_in_roles
    for stack in synthesized["dev"].app.node.children:
        if isinstance(stack, Stack):
            assert not stack.stack_name.startswith(contract.SIGN_IN_ROLE_PREFIX), stack.stack_name
    listed = [
        role
        for community in config.communities.values()
        for role in [*community.role_names, *(a.split(":role/")[-1] for a in community.role_arns)]
    ]
    assert not [role for role in listed if role.startswith(contract.SIGN_IN_ROLE_PREFIX)]


def test_each_sign_in_community_stack_writes_the_functions_entry(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    """The function's settings hold no community (they no longer grow with the stage); each
    sign-in community's own stack writes its entry, which the handler's parser accepts, and no
    other community's stack writes one."""
    config = synthesized["dev"].config
    (function,) = resources(sign_in(synthesized), "AWS::Lambda::Function").values()
    settings = json.dumps(function["Properties"]["Environment"])
    assert contract.SIGN_IN_COMMUNITY_PARAMETER_ROOT in settings
    keys = set(re.findall(r'\\"([a-z_]+)\\":', settings))
    assert "communities_path" in keys and "role_arn_prefix" in keys
    assert not keys & {"communities", "title", "manager", "team", "group"}, keys
    for name, community in config.communities.items():
        template = synthesized["dev"].stacks[community_stack_id(name)]
        entries = [
            r["Properties"]
            for r in resources(template, "AWS::SSM::Parameter").values()
            if r["Properties"]["Name"].startswith(contract.SIGN_IN_COMMUNITY_PARAMETER_ROOT)
        ]
        if community.kind != "sign-in":
            assert entries == [], name
            continue
        (entry,) = entries
        assert entry["Name"] == contract.sign_in_community_parameter(name)
        assert entry["Type"] == "String" and "Tier" not in entry
        parsed = directory.parse_entry(
            name,
            entry["Value"],
            provider_kind=config.sign_in.provider.kind,
            role_arn_prefix=f"arn:aws:iam::111111111111:role/{contract.SIGN_IN_ROLE_PREFIX}",
        )
        assert parsed.title == community.display_name
        assert parsed.manager_email == community.manager_email
        assert parsed.team_id == community.sign_in.team_id
        assert parsed.role_arn.endswith(f":role/{contract.sign_in_role_name(name)}")

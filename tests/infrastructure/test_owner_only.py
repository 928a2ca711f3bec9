"""Owner-only, evaluated the way IAM evaluates it (tests/iam_eval.py): what a researcher, a
colleague in the same community and a researcher of another community can do to an instance,
a Studio profile, an image or a job through the synthesized policies.

Each test names the path of docs/security.md it proves. What IAM does with a request is
modelled for identity policies and boundaries only; trust and resource policies are checked
structurally here, and what no offline test can show is listed in docs/security.md.
"""

import ast
import json
from pathlib import Path
from typing import Any

from catalog_constructs import contract
from catalog_constructs.catalog.service_actions import ACTION_DOCUMENTS
from catalog_constructs.shared.product_boundary import (
    ALLOWED_SERVICE_ACTIONS,
    DENIED_ACTIONS,
    TAGGING_ACTIONS,
)
from tests.iam_eval import REGION, SERVICE_CONTEXT_KEYS, Request, allowed, evaluate, resolve
from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage

ROOT = Path(__file__).resolve().parents[2]
ALICE = "AROAEXAMPLEROLEID:alice"
BOB = "AROAEXAMPLEROLEID:bob"


def account(stage: SynthesizedStage) -> str:
    return str(stage.config.stage.account)


def instance_arn(stage: SynthesizedStage) -> str:
    return f"arn:aws:ec2:{REGION}:{account(stage)}:instance/i-0123456789abcdef0"


def end_user_policy(stage: SynthesizedStage, community: str) -> dict[str, Any]:
    (policy,) = (
        resource["Properties"]["PolicyDocument"]
        for resource in resources(stage.merged("Catalog"), "AWS::IAM::ManagedPolicy").values()
        if resource["Properties"]["Description"]
        == f"Research catalog end users of the {community} community"
    )
    return resolve(policy, {"AWS::AccountId": account(stage)})


def catalog_instance_tags(owner: str, community: str = "biomedical") -> dict[str, str]:
    return {
        f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": owner,
        f"aws:ResourceTag/{contract.PRODUCT_TAG}": "linux-docker",
        f"aws:ResourceTag/{contract.COMMUNITY_TAG}": community,
    }


def roles_trusting(template: dict[str, Any], service: str) -> dict[str, dict[str, Any]]:
    found = {}
    for logical_id, role in resources(template, "AWS::IAM::Role").items():
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            services = statement.get("Principal", {}).get("Service", [])
            if service in (services if isinstance(services, list) else [services]):
                found[logical_id] = role
    return found


def attached_policies(
    template: dict[str, Any], logical_id: str, refs: dict[str, str]
) -> list[dict[str, Any]]:
    documents = [
        policy["PolicyDocument"]
        for policy in resources(template, "AWS::IAM::Role")[logical_id]["Properties"].get(
            "Policies", []
        )
    ]
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for resource in resources(template, kind).values():
            if {"Ref": logical_id} in resource["Properties"].get("Roles", []):
                documents.append(resource["Properties"]["PolicyDocument"])
    return [resolve(document, refs) for document in documents]


# --- Start, Stop and Restart (security.md: "Another researcher's instance") ------------------


def test_instance_actions_run_with_the_callers_own_rights(stage: SynthesizedStage) -> None:
    """A caller may override the TARGET parameter of an action with any instance ID
    (ExecuteProvisionedProductServiceAction), so the action must not run as a role that can
    reach other instances: without AssumeRole, Automation runs in the caller's context."""
    actions = resources(stage.stacks["Catalog"], "AWS::ServiceCatalog::ServiceAction")
    assert actions
    for action in actions.values():
        keys = {entry["Key"] for entry in action["Properties"]["Definition"]}
        assert "AssumeRole" not in keys, action["Properties"]["Name"]


def test_no_role_automation_can_assume_reaches_an_instance(stage: SynthesizedStage) -> None:
    for name in ("Catalog", *(s for s in stage.stacks if s.startswith("Spoke"))):
        template = stage.stacks[name]
        for logical_id in roles_trusting(template, "ssm.amazonaws.com"):
            request = Request(
                "ec2:StopInstances",
                instance_arn(stage),
                {"aws:userid": ALICE, **catalog_instance_tags(BOB)},
            )
            policies = attached_policies(template, logical_id, {"AWS::AccountId": account(stage)})
            assert not allowed(request, policies), logical_id


def test_researchers_start_and_stop_only_their_own_instances(stage: SynthesizedStage) -> None:
    policy = end_user_policy(stage, "biomedical")
    instance = instance_arn(stage)
    for action in ("ec2:StartInstances", "ec2:StopInstances"):
        own = Request(action, instance, {"aws:userid": ALICE, **catalog_instance_tags(ALICE)})
        assert allowed(own, [policy]), action
        colleague = Request(action, instance, {"aws:userid": ALICE, **catalog_instance_tags(BOB)})
        assert not allowed(colleague, [policy]), action
        untagged = Request(action, instance, {"aws:userid": ALICE})
        assert not allowed(untagged, [policy]), action
    for document in ACTION_DOCUMENTS:
        run = Request(
            "ssm:StartAutomationExecution",
            f"arn:aws:ssm:{REGION}:{account(stage)}:automation-definition/{document}:$DEFAULT",
            {"aws:userid": ALICE},
        )
        assert allowed(run, [policy]), document
    # Nothing else: the caller cannot run another document, nor pass a role to Automation.
    other = Request(
        "ssm:StartAutomationExecution",
        f"arn:aws:ssm:{REGION}:{account(stage)}:automation-definition/AWS-RunShellScript:$DEFAULT",
        {"aws:userid": ALICE},
    )
    assert not allowed(other, [policy])
    assert evaluate(Request("iam:PassRole", "*", {"aws:userid": ALICE}), [policy]) != "Allow"


def test_starting_an_own_instance_may_use_the_volume_key_only_through_ec2(
    stage: SynthesizedStage,
) -> None:
    """EC2 creates a grant on the volume key as the caller when it starts an instance with
    encrypted volumes; the caller gets exactly that, only through EC2, only for AWS resources."""
    policy = end_user_policy(stage, "biomedical")
    statements = [
        s
        for s in policy["Statement"]
        if s["Effect"] == "Allow" and any(str(a).startswith("kms:") for a in _list(s["Action"]))
    ]
    assert statements
    for statement in statements:
        assert _list(statement["Action"]) == ["kms:CreateGrant"]
        assert statement["Condition"] == {
            "StringEquals": {"kms:ViaService": f"ec2.{REGION}.amazonaws.com"},
            "Bool": {"kms:GrantIsForAWSResource": "true"},
        }
        assert "*" not in json.dumps(statement["Resource"])


def test_community_stacks_read_the_volume_key_from_ssm_not_an_export(
    stage: SynthesizedStage,
) -> None:
    """The grant's key is the Shared stack's volume key, resolved from its SSM parameter when the
    community stack deploys: a cross-stack reference would lock every community's stack to the
    Shared stack's export."""
    for name, template in stage.communities().items():
        assert "Fn::ImportValue" not in json.dumps(template), name
        parameters = template.get("Parameters", {})
        keys = [
            logical_id
            for logical_id, parameter in parameters.items()
            if parameter.get("Default") == contract.EBS_KEY_ARN_PARAMETER
        ]
        assert len(keys) == 1, name
        assert parameters[keys[0]]["Type"] == "AWS::SSM::Parameter::Value<String>"
        (policy,) = (
            r["Properties"]["PolicyDocument"]
            for r in resources(template, "AWS::IAM::ManagedPolicy").values()
            if "end users" in r["Properties"].get("Description", "")
        )
        grants = [s for s in policy["Statement"] if s.get("Sid") == "StartOwnEncryptedVolumes"]
        assert [g["Resource"] for g in grants] == [{"Ref": keys[0]}], name


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- reading one's own outputs (security.md: "Own provisioned products") -------------------


def _service_catalog_calls(path: Path) -> set[str]:
    """The Service Catalog operations a tool calls (``self.sc.<operation>(...)``), as IAM
    action names."""
    tree = ast.parse(path.read_text())
    names = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "sc"
    }
    return {"servicecatalog:" + "".join(w.capitalize() for w in n.split("_")) for n in names}


def test_the_smoke_test_needs_only_what_researchers_may_do(stage: SynthesizedStage) -> None:
    """The smoke test launches as a researcher does. servicecatalog:userLevel is a key of
    DescribeRecord but not of GetProvisionedProductOutputs, so an Allow conditioned on it
    never applies to the latter: every call must be allowed with the keys its action carries."""
    policy = end_user_policy(stage, "biomedical")
    calls = _service_catalog_calls(ROOT / "delivery" / "smoke.py")
    assert "servicecatalog:DescribeRecord" in calls
    for action in sorted(calls):
        keys = SERVICE_CONTEXT_KEYS.get(action, frozenset())
        context = {"aws:userid": ALICE}
        if "servicecatalog:userLevel" in keys:
            context["servicecatalog:userLevel"] = "self"
        assert allowed(Request(action, "*", context), [policy]), action


def test_researchers_reach_no_one_elses_provisioned_product(stage: SynthesizedStage) -> None:
    """Every provisioned-product call needs userLevel=self; none is allowed without it (an
    account- or role-level request is another researcher's product)."""
    policy = end_user_policy(stage, "biomedical")
    for action, keys in SERVICE_CONTEXT_KEYS.items():
        if "servicecatalog:userLevel" not in keys:
            continue
        for level in ("account", "role"):
            request = Request(
                action, "*", {"aws:userid": ALICE, f"servicecatalog:{level}Level": "self"}
            )
            assert not allowed(request, [policy]), (action, level)
    outputs = Request("servicecatalog:GetProvisionedProductOutputs", "*", {"aws:userid": ALICE})
    assert not allowed(outputs, [policy])


# --- reserved tags (security.md: "A teammate's Studio profile") -----------------------------


def product_role_boundary(stage: SynthesizedStage) -> dict[str, Any]:
    (boundary,) = (
        resource["Properties"]["PolicyDocument"]
        for resource in resources(stage.stacks["Shared"], "AWS::IAM::ManagedPolicy").values()
        if resource["Properties"].get("ManagedPolicyName") == contract.PRODUCT_ROLE_BOUNDARY_NAME
    )
    return resolve(boundary, {"AWS::AccountId": account(stage)})


def product_role(
    stage: SynthesizedStage, product: str, service: str, refs: dict[str, str]
) -> list[dict[str, Any]]:
    """The identity policies of the product's one role that ``service`` assumes."""
    template = stage.products[product]
    (logical_id,) = roles_trusting(template, service)
    return attached_policies(template, logical_id, {"AWS::AccountId": account(stage), **refs})


def test_no_product_role_sets_or_removes_reserved_tags(stage: SynthesizedStage) -> None:
    """A Studio member (the shared execution role) cannot rewrite the member tag of a
    teammate's profile and then open it as their own, nor strip it."""
    template = stage.products["studio-team"]
    (domain,) = resources(template, "AWS::SageMaker::Domain")
    policies = product_role(
        stage, "studio-team", "sagemaker.amazonaws.com", {f"{domain}.DomainId": "d-team"}
    )
    boundary = product_role_boundary(stage)
    profile = f"arn:aws:sagemaker:{REGION}:{account(stage)}:user-profile/d-team/bob"
    for action in ("sagemaker:AddTags", "sagemaker:DeleteTags"):
        for key in (contract.STUDIO_MEMBER_TAG, contract.OWNER_USERID_TAG, contract.COMMUNITY_TAG):
            request = Request(action, profile, {"aws:TagKeys": [key]})
            assert evaluate(request, policies, boundary=boundary) == "ExplicitDeny", (action, key)
    # Studio's own tags on spaces and apps stay possible.
    space = f"arn:aws:sagemaker:{REGION}:{account(stage)}:space/d-team/analysis"
    context = {"aws:TagKeys": ["project"], "aws:RequestedRegion": REGION}
    own = Request("sagemaker:AddTags", space, context)
    assert allowed(own, policies, boundary=boundary)


def test_the_boundary_guards_every_tagging_action_it_allows() -> None:
    tagging = {a for a in ALLOWED_SERVICE_ACTIONS if "tag" in a.split(":")[1].lower()}
    tagging -= {"ec2:DescribeTags", "sagemaker:ListTags"}
    assert tagging <= set(TAGGING_ACTIONS) | set(DENIED_ACTIONS)


# --- container images (security.md: "Another researcher's private image") -------------------

SNAPSHOTS = ROOT / "product-stack-snapshots"
JOB_PRINCIPAL_TAGS = {
    f"aws:PrincipalTag/{contract.OWNER_USERID_TAG}": ALICE,
    f"aws:PrincipalTag/{contract.COMMUNITY_TAG}": "biomedical",
}


def job_execution_policies(stage: SynthesizedStage, template: dict[str, Any]) -> list[Any]:
    (logical_id,) = (
        logical_id
        for logical_id, role in resources(template, "AWS::IAM::Role").items()
        if role["Properties"]["Description"].startswith("Scheduled job: pulls the image")
    )
    (context,) = resources(template, "Custom::ProductContext")
    refs = {
        "AWS::AccountId": account(stage),
        f"{context}.OwnerAwsUserId": ALICE,
        f"{context}.Community": "biomedical",
    }
    return attached_policies(template, logical_id, refs)


def _pull(stage: SynthesizedStage, tags: dict[str, str], action: str) -> Request:
    repository = f"arn:aws:ecr:{REGION}:{account(stage)}:repository/lab/tool"
    context = {
        "aws:RequestedRegion": REGION,
        **JOB_PRINCIPAL_TAGS,
        **{f"aws:ResourceTag/{key}": value for key, value in tags.items()},
    }
    return Request(action, repository, context)


def test_jobs_pull_only_images_of_their_owner_or_community(stage: SynthesizedStage) -> None:
    """Checked for the current version and for every released one: the boundary holds the
    rule, so a released template cannot pull another community's private image either."""
    released = sorted(SNAPSHOTS.glob("*ScheduledJob*.product.template.json"))
    templates = [stage.products["scheduled-job"], *(json.loads(p.read_text()) for p in released)]
    boundary = product_role_boundary(stage)
    allowed_tags = [
        {contract.OWNER_USERID_TAG: ALICE},
        {contract.PULLABLE_BY_TAG: "biomedical"},
        {contract.PULLABLE_BY_TAG: "genomics biomedical imaging"},
    ]
    refused_tags = [
        {},
        {contract.OWNER_USERID_TAG: BOB},
        {contract.PULLABLE_BY_TAG: "genomics"},
        {contract.PULLABLE_BY_TAG: "biomedical-archive"},
        {contract.COMMUNITY_TAG: "biomedical"},
    ]
    for template in templates:
        policies = job_execution_policies(stage, template)
        for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"):
            for tags in allowed_tags:
                request = _pull(stage, tags, action)
                assert allowed(request, policies, boundary=boundary), tags
            for tags in refused_tags:
                request = _pull(stage, tags, action)
                assert not allowed(request, policies, boundary=boundary), tags
    # The current version's own policy holds the rule too, not only the boundary.
    current = job_execution_policies(stage, stage.products["scheduled-job"])
    for tags in refused_tags:
        assert not allowed(_pull(stage, tags, "ecr:BatchGetImage"), current), tags


def test_a_product_role_without_owner_tags_pulls_nothing(stage: SynthesizedStage) -> None:
    """The boundary's image rule compares the role's own tags; a role without them must not
    slip through an unresolvable policy variable."""
    boundary = product_role_boundary(stage)
    everything = {"Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}
    repository = f"arn:aws:ecr:{REGION}:{account(stage)}:repository/lab/tool"
    for missing in JOB_PRINCIPAL_TAGS:
        context = {
            "aws:RequestedRegion": REGION,
            **{k: v for k, v in JOB_PRINCIPAL_TAGS.items() if k != missing},
            f"aws:ResourceTag/{contract.PULLABLE_BY_TAG}": "biomedical",
            f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": ALICE,
        }
        request = Request("ecr:BatchGetImage", repository, context)
        assert not allowed(request, [everything], boundary=boundary), missing


# --- scheduled jobs (security.md: "Another product's fair share", "Metadata") ---------------


def test_members_submit_only_under_their_definitions_own_share(stage: SynthesizedStage) -> None:
    policy = end_user_policy(stage, "biomedical")
    name = f"{contract.JOB_DEFINITION_PREFIX}0a1b2c"
    definition = f"arn:aws:batch:{REGION}:{account(stage)}:job-definition/{name}:3"

    def submit(share: str, owner: str = ALICE, tagged: bool = True) -> bool:
        context = {
            "aws:userid": ALICE,
            "batch:ShareIdentifier": share,
            f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": owner,
        }
        if tagged:
            context[f"aws:ResourceTag/{contract.SHARE_IDENTIFIER_TAG}"] = name
        return allowed(Request("batch:SubmitJob", definition, context), [policy])

    assert submit(name)
    assert not submit(f"{contract.JOB_DEFINITION_PREFIX}ffffff")  # a colleague's share
    assert not submit(name, owner=BOB)
    # Definitions registered before the share tag: catalog shares only, until the next update.
    assert submit(f"{contract.JOB_DEFINITION_PREFIX}ffffff", tagged=False)
    assert not submit("anything", tagged=False)


def test_members_list_no_secrets_of_the_account(stage: SynthesizedStage) -> None:
    policy = end_user_policy(stage, "biomedical")
    assert not allowed(Request("secretsmanager:ListSecrets", "*", {"aws:userid": ALICE}), [policy])


def test_handler_and_template_names_agree() -> None:
    from catalog_constructs.cost.handler.cost_handlers import block_reach
    from catalog_constructs.shared.product_context.handler.product_context_handlers import (
        batch_job,
    )

    assert batch_job.SHARE_IDENTIFIER_TAG == contract.SHARE_IDENTIFIER_TAG
    assert block_reach.BLOCKED_TAG == contract.BUDGET_BLOCKED_TAG
    assert block_reach.PRODUCT_ROLE_PATH == contract.PRODUCT_ROLE_PATH


# --- launch roles (security.md: "Reserved tags through a tag update", "Launch roles") -------


def launch_roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: role
        for logical_id, role in resources(template, "AWS::IAM::Role").items()
        if str(role["Properties"].get("RoleName", "")).startswith(contract.LAUNCH_ROLE_NAME_PREFIX)
    }


def test_no_launch_or_tag_update_sets_a_reserved_tag(stage: SynthesizedStage) -> None:
    """Service Catalog applies a launcher's tags (at launch and in tag updates) as stack tags
    through the launch role; CloudFormation passes them on to the product's resources."""
    template = stage.stacks["Catalog"]
    stack = f"arn:aws:cloudformation:{REGION}:{account(stage)}:stack/SC-{account(stage)}-pp-x/1"
    roles = launch_roles(template)
    assert len(roles) == 4
    for logical_id in roles:
        policies = attached_policies(template, logical_id, {"AWS::AccountId": account(stage)})
        for action in ("cloudformation:CreateStack", "cloudformation:UpdateStack"):
            fine = Request(action, stack, {"aws:TagKeys": ["CostCenter", "project"]})
            assert allowed(fine, policies), (logical_id, action)
            for reserved in ("research-catalog:archived-on", "Owner", "Community"):
                spoofed = Request(action, stack, {"aws:TagKeys": ["CostCenter", reserved]})
                assert not allowed(spoofed, policies), (logical_id, action, reserved)


def test_reserved_tag_keys_are_one_list() -> None:
    from config.types import RESERVED_TAG_KEYS

    assert RESERVED_TAG_KEYS == contract.RESERVED_TAG_KEY_PATTERNS


def test_launch_roles_trust_only_service_catalog_of_their_own_accounts(
    stage: SynthesizedStage,
) -> None:
    for name, template in stage.stacks.items():
        for logical_id, role in launch_roles(template).items():
            (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
            assert statement["Principal"] == {"Service": "servicecatalog.amazonaws.com"}
            accounts = statement["Condition"]["StringEqualsIfExists"]["aws:SourceAccount"]
            own = name.removeprefix("Spoke") if name.startswith("Spoke") else account(stage)
            assert sorted(set(_list(accounts))) == sorted({own, account(stage)}), logical_id


def test_eventbridge_publishes_image_notices_only_for_the_stacks_own_rules(
    stage: SynthesizedStage,
) -> None:
    template = stage.stacks.get("Images")
    if template is None:
        return  # this stage builds no images
    rules = {
        json.dumps({"Fn::GetAtt": [r, "Arn"]}) for r in resources(template, "AWS::Events::Rule")
    }
    assert rules
    found = 0
    for kind, key in (("AWS::SNS::TopicPolicy", "PolicyDocument"), ("AWS::KMS::Key", "KeyPolicy")):
        for resource in resources(template, kind).values():
            for statement in resource["Properties"][key]["Statement"]:
                if statement.get("Principal") != {"Service": "events.amazonaws.com"}:
                    continue
                found += 1
                condition = statement["Condition"]
                assert condition["StringEquals"]["aws:SourceAccount"] == account(stage)
                if kind == "AWS::SNS::TopicPolicy":
                    arns = {json.dumps(a) for a in condition["ArnEquals"]["aws:SourceArn"]}
                    assert arns == rules
    assert found == 2


# --- IAM's size limit ---------------------------------------------------------------------

# IAM refuses a managed policy over 6,144 characters, white space not counted.
MANAGED_POLICY_MAX = 6144
# What an imported ARN (a key of the Shared stack) resolves to at most, in characters.
_IMPORTED_ARN = "arn:aws:kms:us-east-1:111111111111:key/" + "0" * 36


def _imports_as_arns(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Fn::ImportValue"}:
            return _IMPORTED_ARN
        return {k: _imports_as_arns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_imports_as_arns(v) for v in value]
    return value


def test_every_managed_policy_fits_iams_size_limit(stage: SynthesizedStage) -> None:
    for name, template in stage.all_templates().items():
        for logical_id, policy in resources(template, "AWS::IAM::ManagedPolicy").items():
            document = resolve(
                _imports_as_arns(policy["Properties"]["PolicyDocument"]),
                {"AWS::AccountId": account(stage)},
            )
            size = len("".join(json.dumps(document, separators=(",", ":")).split()))
            assert size <= MANAGED_POLICY_MAX, (name, logical_id, size)


# --- the rest of a researcher's resources, as a colleague sees them --------------------------


def test_a_colleague_reaches_none_of_a_researchers_resources(stage: SynthesizedStage) -> None:
    """Sessions, logs, sign-in and job secrets, Studio profiles: each allowed to the owner
    (by tag = aws:userid), refused to a colleague of the same community and role."""
    policy = end_user_policy(stage, "biomedical")
    acct = account(stage)
    owner_tag = f"aws:ResourceTag/{contract.OWNER_USERID_TAG}"
    cases = [
        (
            "ssm:StartSession",
            instance_arn(stage),
            f"ssm:resourceTag/{contract.OWNER_USERID_TAG}",
        ),
        ("logs:GetLogEvents", f"arn:aws:logs:{REGION}:{acct}:log-group:SC-x-Logs:*", owner_tag),
        (
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:{REGION}:{acct}:secret:SC-{acct}-pp-x-credential-AbCdEf",
            owner_tag,
        ),
        (
            "sagemaker:CreatePresignedDomainUrl",
            f"arn:aws:sagemaker:{REGION}:{acct}:user-profile/d-team/alice",
            f"aws:ResourceTag/{contract.STUDIO_MEMBER_TAG}",
        ),
    ]
    for action, resource, key in cases:
        own = Request(action, resource, {"aws:userid": ALICE, key: ALICE})
        assert allowed(own, [policy]), action
        colleague = Request(action, resource, {"aws:userid": BOB, key: ALICE})
        assert not allowed(colleague, [policy]), action


# Actions that take no resource (Service Authorization Reference): granted on a resource ARN
# they silently never apply, so a grant of them must name "*".
RESOURCELESS_ACTIONS = {
    "ssm:ListAssociations",
    "ssm:DescribeAutomationExecutions",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceStatus",
    "batch:DescribeJobs",
    "batch:ListJobs",
    "iam:ListRoles",
}


def test_resourceless_actions_are_granted_on_star(stage: SynthesizedStage) -> None:
    for name, template in stage.all_templates().items():
        for kind in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            for logical_id, policy in resources(template, kind).items():
                for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                    if "Fn::If" in statement:  # granted under a template condition
                        statement = statement["Fn::If"][1]
                    actions = set(_list(statement.get("Action", [])))
                    if statement["Effect"] == "Allow" and actions & RESOURCELESS_ACTIONS:
                        assert statement["Resource"] == "*", (name, logical_id, statement["Sid"])

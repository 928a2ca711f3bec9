"""SSH, scp and a bash shell over Session Manager, update plans and a Studio member finding
their own profile, evaluated the way IAM evaluates them (tests/iam_eval.py) against the
synthesized end-user policies: which session documents a researcher may start, on which
instances, with which parameters; to whom an SSH key may be pushed; whose plans a researcher
reaches; what a spent budget still lets through; whose Studio profile tags a member reads.

docs/security.md, rows "SSH and bash on a workstation", "Update plans" and "A teammate's
Studio profile". Offline, nothing can show that sshd on the instance accepts an EC2 Instance
Connect key (the images ship the agent) or which user Session Manager runs a session document
as; docs/security.md lists both.
"""

from typing import Any

from catalog_constructs import contract
from catalog_constructs.shared.shell_session import SHELL_COMMAND
from tests.iam_eval import (
    ALLOW,
    EXPLICIT_DENY,
    REGION,
    Request,
    allowed,
    evaluate,
    resolve,
)
from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage

ALICE = "AROAEXAMPLEROLEID:alice"
BOB = "AROAEXAMPLEROLEID:bob"
OWNER_TAG = contract.OWNER_USERID_TAG


def account(stage: SynthesizedStage) -> str:
    return str(stage.config.stage.account)


def managed_policy(stage: SynthesizedStage, description: str) -> dict[str, Any]:
    """The one managed policy with this description, wherever the stage's layout puts it."""
    (policy,) = (
        resource["Properties"]["PolicyDocument"]
        for template in stage.stacks.values()
        for resource in resources(template, "AWS::IAM::ManagedPolicy").values()
        if resource["Properties"].get("Description") == description
    )
    return resolve(policy, {"AWS::AccountId": account(stage)})


def end_user_policies(stage: SynthesizedStage) -> list[dict[str, Any]]:
    """The community's end-user policy and its workflows companion, as attached together."""
    return [
        managed_policy(stage, "Research catalog end users of the biomedical community"),
        managed_policy(
            stage,
            "Research catalog end users of the biomedical community: SSH, bash, update plans "
            "and Studio lookups",
        ),
    ]


def instance(stage: SynthesizedStage) -> str:
    return f"arn:aws:ec2:{REGION}:{account(stage)}:instance/i-0123456789abcdef0"


def document(stage: SynthesizedStage, name: str) -> str:
    owner = "" if name.startswith("AWS-") else account(stage)
    return f"arn:aws:ssm:{REGION}:{owner}:document/{name}"


def start_session(
    stage: SynthesizedStage,
    policies: list[dict[str, Any]],
    caller: str,
    owner: str | None,
    name: str,
) -> bool:
    """StartSession needs an Allow on the instance and one on the session document."""
    tags = {f"ssm:resourceTag/{OWNER_TAG}": owner} if owner else {}
    on_instance = Request("ssm:StartSession", instance(stage), {"aws:userid": caller, **tags})
    on_document = Request("ssm:StartSession", document(stage, name), {"aws:userid": caller})
    return allowed(on_instance, policies) and allowed(on_document, policies)


SESSION_DOCUMENTS = (
    "SSM-SessionManagerRunShell",
    contract.SHELL_SESSION_DOCUMENT_NAME,
    "AWS-StartPortForwardingSession",
    "AWS-StartSSHSession",
)


def test_ssh_bash_and_port_forwarding_only_on_the_callers_own_instances(
    stage: SynthesizedStage,
) -> None:
    policies = end_user_policies(stage)
    for name in SESSION_DOCUMENTS:
        assert start_session(stage, policies, ALICE, ALICE, name), name
        # A colleague of the same community and role, and an instance nobody owns.
        assert not start_session(stage, policies, BOB, ALICE, name), name
        assert not start_session(stage, policies, ALICE, None, name), name


def test_no_session_document_takes_a_command_from_the_caller(stage: SynthesizedStage) -> None:
    """The documents that run a caller's command, or reach other hosts through an instance,
    are refused even on the caller's own instance; so is Run Command."""
    policies = end_user_policies(stage)
    for name in (
        "AWS-StartInteractiveCommand",
        "AWS-StartNonInteractiveCommand",
        "AWS-StartPortForwardingSessionToRemoteHost",
        "AWS-StartNonInteractiveCommandWithParameters",
    ):
        assert not start_session(stage, policies, ALICE, ALICE, name), name
    own = {"aws:userid": ALICE, f"aws:ResourceTag/{OWNER_TAG}": ALICE}
    for resource in (instance(stage), document(stage, "AWS-RunShellScript")):
        assert not allowed(Request("ssm:SendCommand", resource, own), policies)
    assert not allowed(
        Request("ssm:StartSession", document(stage, "my-own-document"), own), policies
    )


def test_the_bash_document_runs_a_fixed_shell_and_takes_no_parameters(
    stage: SynthesizedStage,
) -> None:
    """In the Shared stack and in every spoke (whose workstations it serves)."""
    documents = {
        name: resource["Properties"]
        for name, template in stage.stacks.items()
        for resource in resources(template, "AWS::SSM::Document").values()
        if resource["Properties"].get("Name") == contract.SHELL_SESSION_DOCUMENT_NAME
    }
    spokes = {name for name in stage.stacks if name.startswith("Spoke")}
    assert set(documents) == {"Shared", *spokes}
    assert len({repr(d) for d in documents.values()}) == 1
    properties = documents["Shared"]
    assert properties["DocumentType"] == "Session"
    content = properties["Content"]
    assert content["sessionType"] == "InteractiveCommands"
    assert "parameters" not in content
    assert content["properties"] == {"linux": {"commands": SHELL_COMMAND, "runAsElevated": False}}
    assert "{{" not in SHELL_COMMAND
    assert f"exec sudo --login --user={contract.WORKSTATION_USER}" == SHELL_COMMAND


def test_ssh_keys_only_for_the_owners_user_on_their_own_instances(
    stage: SynthesizedStage,
) -> None:
    policies = end_user_policies(stage)

    def push(caller: str, owner: str | None, os_user: str) -> bool:
        context = {"aws:userid": caller, "ec2:osuser": os_user}
        if owner:
            context[f"aws:ResourceTag/{OWNER_TAG}"] = owner
        request = Request("ec2-instance-connect:SendSSHPublicKey", instance(stage), context)
        return allowed(request, policies)

    assert push(ALICE, ALICE, contract.WORKSTATION_USER)
    for os_user in ("root", "ec2-user", "ubuntu", "rstudio"):
        assert not push(ALICE, ALICE, os_user), os_user
    assert not push(BOB, ALICE, contract.WORKSTATION_USER)
    assert not push(ALICE, None, contract.WORKSTATION_USER)
    serial = Request(
        "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
        instance(stage),
        {"aws:userid": ALICE, f"aws:ResourceTag/{OWNER_TAG}": ALICE},
    )
    assert not allowed(serial, policies)


def test_code_on_an_instance_cannot_push_ssh_keys(stage: SynthesizedStage) -> None:
    """Every role a product creates is bounded by the product role boundary, which allows no
    EC2 Instance Connect call: code on a workstation cannot put a key on any instance."""
    boundaries = [
        resolve(resource["Properties"]["PolicyDocument"], {"AWS::AccountId": account(stage)})
        for template in stage.stacks.values()
        for resource in resources(template, "AWS::IAM::ManagedPolicy").values()
        if resource["Properties"].get("ManagedPolicyName") == contract.PRODUCT_ROLE_BOUNDARY_NAME
    ]
    assert boundaries
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    context = {
        "aws:userid": "AROAINSTANCEROLE:i-0123456789abcdef0",
        f"aws:ResourceTag/{OWNER_TAG}": ALICE,
        "ec2:osuser": contract.WORKSTATION_USER,
    }
    for action in ("SendSSHPublicKey", "SendSerialConsoleSSHPublicKey"):
        request = Request(f"ec2-instance-connect:{action}", instance(stage), context)
        for boundary in boundaries:
            assert evaluate(request, [everything], boundary=boundary) != ALLOW, action


PLAN_ACTIONS = (
    "servicecatalog:CreateProvisionedProductPlan",
    "servicecatalog:DescribeProvisionedProductPlan",
    "servicecatalog:ExecuteProvisionedProductPlan",
    "servicecatalog:DeleteProvisionedProductPlan",
    "servicecatalog:ListProvisionedProductPlans",
)


def test_update_plans_only_for_the_callers_own_products(stage: SynthesizedStage) -> None:
    """Allowed at userLevel=self (the caller's own plans and products); an account- or
    role-level request (a colleague's plans) is refused."""
    policies = end_user_policies(stage)
    for action in PLAN_ACTIONS:
        own = Request(action, "*", {"aws:userid": ALICE, "servicecatalog:userLevel": "self"})
        assert allowed(own, policies), action
        for level in ("account", "role"):
            other = Request(
                action, "*", {"aws:userid": ALICE, f"servicecatalog:{level}Level": "self"}
            )
            assert not allowed(other, policies), (action, level)


def test_a_spent_budget_blocks_executing_a_plan_but_not_making_one(
    stage: SynthesizedStage,
) -> None:
    """Executing a plan launches or updates like ProvisionProduct/UpdateProvisionedProduct,
    which the launch block denies; without the plan action in the block a plan would go
    around it. Creating, reading and deleting a plan spends nothing."""
    block = managed_policy(
        stage,
        "Research catalog: attached by AWS Budgets to a community whose budget is spent; "
        "no new launches, updates, instance starts or jobs until the next period or a "
        "higher budget",
    )
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    execute = Request("servicecatalog:ExecuteProvisionedProductPlan")
    assert evaluate(execute, [everything, block]) == EXPLICIT_DENY
    for action in PLAN_ACTIONS:
        if action != execute.action:
            assert evaluate(Request(action), [everything, block]) == ALLOW, action


def test_the_workflows_policy_goes_wherever_the_end_user_policy_goes(
    stage: SynthesizedStage,
) -> None:
    """Same roles in the stage account; in a spoke, a fixed name next to the end-user policy's
    for permission sets (the stack outputs name both)."""
    for name, template in stage.stacks.items():
        policies = resources(template, "AWS::IAM::ManagedPolicy").values()
        by_description = {p["Properties"].get("Description", ""): p["Properties"] for p in policies}
        for description, properties in by_description.items():
            prefix = "Research catalog end users of the "
            if not description.startswith(prefix) or ":" in description:
                continue
            community = description.removeprefix(prefix).removesuffix(" community")
            companion = by_description[f"{description}: SSH, bash, update plans and Studio lookups"]
            assert companion.get("Roles") == properties.get("Roles"), (name, community)
            if "ManagedPolicyName" in properties:
                assert properties["ManagedPolicyName"] == contract.end_user_policy_name(community)
                assert companion["ManagedPolicyName"] == (
                    contract.end_user_workflows_policy_name(community)
                )
                outputs = [o["Value"] for o in template.get("Outputs", {}).values()]
                assert contract.end_user_workflows_policy_name(community) in outputs


def test_studio_members_read_the_tags_of_their_own_profiles_only(stage: SynthesizedStage) -> None:
    """The CLI finds a member's profiles by their member tag and shows the team's buckets
    tagged there; a colleague's profile (same team, same role) answers AccessDenied."""
    policies = end_user_policies(stage)
    profile = f"arn:aws:sagemaker:{REGION}:{account(stage)}:user-profile/d-team/jane-doe"
    member_tag = f"aws:ResourceTag/{contract.STUDIO_MEMBER_TAG}"
    own = Request("sagemaker:ListTags", profile, {"aws:userid": ALICE, member_tag: ALICE})
    assert allowed(own, policies)
    colleague = Request("sagemaker:ListTags", profile, {"aws:userid": BOB, member_tag: ALICE})
    assert not allowed(colleague, policies)
    domain = f"arn:aws:sagemaker:{REGION}:{account(stage)}:domain/d-team"
    assert not allowed(Request("sagemaker:ListTags", domain, {"aws:userid": ALICE}), policies)
    for action in ("sagemaker:ListDomains", "sagemaker:ListUserProfiles"):
        assert allowed(Request(action, "*", {"aws:userid": ALICE}), policies), action

"""The researchers' workflows beyond launching, in a second managed policy next to the
end-user policy (IAM caps one managed policy at 6,144 characters, which that one nearly fills):
SSH, scp and a bash shell on their own Linux workstations, update plans of their own products,
and finding their own SageMaker Studio profiles.

Sessions. StartSession needs an Allow on the session document and one on the instance. This
policy allows two more documents; the instance is allowed only by the end-user policy's
``SessionsOnOwnInstances`` (owner tag = the caller's ``aws:userid``), so neither document reaches
anyone else's instance. What each one does there:

- ``research-catalog-bash`` (the Shared stack's): a bash login shell as the workstation user;
  it declares no parameter, so the caller passes nothing to run.
- ``AWS-StartSSHSession``: forwards the instance's SSH port (its one parameter is the port
  number, which the already allowed ``AWS-StartPortForwardingSession`` could forward anyway),
  so ``ssh`` and ``scp`` run through Session Manager with ``ProxyCommand``.

Not allowed: ``AWS-StartInteractiveCommand`` and ``AWS-StartNonInteractiveCommand`` (a
``command`` parameter IAM cannot constrain), ``AWS-StartPortForwardingSessionToRemoteHost``
(reaches other hosts of the network through the workstation), ``ssm:SendCommand``.
"""

from aws_cdk import Stack, aws_iam as iam

from catalog_constructs import contract

OWNER_TAGGED = "${aws:userid}"
# AWS-owned session documents have ARNs without an account.
AWS_SESSION_DOCUMENTS = ("AWS-StartSSHSession",)
ACCOUNT_SESSION_DOCUMENTS = (contract.SHELL_SESSION_DOCUMENT_NAME,)
# Provisioned product plans (a change set to review before an update or a launch), each under
# servicecatalog:userLevel=self like every call on a provisioned product: a member lists,
# reads, executes and deletes only plans they created, and plans only their own products.
PLAN_ACTIONS = (
    "servicecatalog:CreateProvisionedProductPlan",
    "servicecatalog:DeleteProvisionedProductPlan",
    "servicecatalog:DescribeProvisionedProductPlan",
    "servicecatalog:ExecuteProvisionedProductPlan",
    "servicecatalog:ListProvisionedProductPlans",
)


def workflow_statements(stack: Stack) -> list[iam.PolicyStatement]:
    region_account = f"{stack.region}:{stack.account}"
    return [
        iam.PolicyStatement(
            sid="SshAndBashSessions",
            actions=["ssm:StartSession"],
            resources=[
                f"arn:{stack.partition}:ssm:{region_account}:document/{name}"
                for name in ACCOUNT_SESSION_DOCUMENTS
            ]
            + [
                f"arn:{stack.partition}:ssm:{stack.region}::document/{name}"
                for name in AWS_SESSION_DOCUMENTS
            ],
        ),
        iam.PolicyStatement(
            # EC2 Instance Connect hands sshd on the instance a public key it accepts for 60
            # seconds, for the one OS user named: only on the caller's own instances, only for
            # the workstation user (never root or another account of the image).
            sid="SshKeyForOwnInstances",
            actions=["ec2-instance-connect:SendSSHPublicKey"],
            resources=[f"arn:{stack.partition}:ec2:{region_account}:instance/*"],
            conditions={
                "StringEquals": {
                    f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": OWNER_TAGGED,
                    "ec2:osuser": contract.WORKSTATION_USER,
                }
            },
        ),
        iam.PolicyStatement(
            # SageMaker List calls take no resource: a member sees the names of the account's
            # domains and profiles (DescribeDomain and DescribeUserProfile were granted already).
            sid="FindStudioTeams",
            actions=["sagemaker:ListDomains", "sagemaker:ListUserProfiles"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            # Which profile is the caller's, and the team's buckets tagged on it: only on
            # profiles whose member tag is the caller's own aws:userid.
            sid="ReadOwnStudioProfileTags",
            actions=["sagemaker:ListTags"],
            resources=[f"arn:{stack.partition}:sagemaker:{region_account}:user-profile/*/*"],
            conditions={
                "StringEquals": {f"aws:ResourceTag/{contract.STUDIO_MEMBER_TAG}": OWNER_TAGGED}
            },
        ),
        iam.PolicyStatement(
            sid="OwnUpdatePlans",
            actions=list(PLAN_ACTIONS),
            resources=["*"],
            conditions={"StringEquals": {"servicecatalog:userLevel": "self"}},
        ),
    ]

"""Names the shared stack publishes and product templates consume.

Product templates are versioned and must be identical in every stage, account and community
(ProductStackHistory compares them with committed snapshots), so nothing stage-specific may be
baked into them. They reach shared infrastructure only through these fixed names, resolved by
CloudFormation at launch. The price: one catalog stage per account and region, which the config
loader enforces.
"""

import hashlib

PREFIX = "research-catalog"


def resolve_ssm(parameter_name: str) -> str:
    """A CloudFormation dynamic reference: resolved at launch from the shared stack's parameter."""
    return f"{{{{resolve:ssm:{parameter_name}}}}}"


PARAMETER_ROOT = f"/{PREFIX}"

VPC_ID_PARAMETER = f"{PARAMETER_ROOT}/network/vpc-id"
PRIVATE_SUBNETS_PARAMETER = f"{PARAMETER_ROOT}/network/private-subnet-ids"
EBS_KEY_ARN_PARAMETER = f"{PARAMETER_ROOT}/kms/ebs-key-arn"
LOGS_KEY_ARN_PARAMETER = f"{PARAMETER_ROOT}/kms/logs-key-arn"
BUCKET_KEY_ARN_PARAMETER = f"{PARAMETER_ROOT}/kms/bucket-key-arn"
SYNAPSE_BUCKET_KEY_ARN_PARAMETER = f"{PARAMETER_ROOT}/kms/synapse-bucket-key-arn"
# Notebook gateway settings (JSON; {"enabled": false} where the stage has no gateway).
NOTEBOOK_GATEWAY_PARAMETER = f"{PARAMETER_ROOT}/notebooks/gateway"
# Encrypts the sign-in credentials workstations generate for their owners (OwnerCredential).
CREDENTIALS_KEY_ARN_PARAMETER = f"{PARAMETER_ROOT}/kms/credentials-key-arn"
ACCESS_LOG_BUCKET_PARAMETER = f"{PARAMETER_ROOT}/storage/access-log-bucket"

PRODUCT_CONTEXT_FUNCTION_NAME = f"{PREFIX}-product-context"
CLOUDWATCH_AGENT_DOCUMENT_NAME = f"{PREFIX}-cloudwatch-agent"
# A Session Manager document of the Shared stack: a bash login shell as the workstation user,
# with no parameter a caller could use to run anything else (the end-user policy names it).
SHELL_SESSION_DOCUMENT_NAME = f"{PREFIX}-bash"
# The operating-system user Session Manager, the shell document and SSH sign the owner in as on
# catalog Linux workstations (created by the images and at boot; owns /data).
WORKSTATION_USER = "ssm-user"
# Where a workstation's user data writes the agent configuration (it names the product's own log
# group) and where the shared agent document reads it.
LINUX_CLOUDWATCH_AGENT_CONFIG_PATH = "/opt/research-catalog/cloudwatch-agent.json"
WINDOWS_DATA_ROOT = "C:\\ProgramData\\research-catalog"
WINDOWS_CLOUDWATCH_AGENT_CONFIG_PATH = f"{WINDOWS_DATA_ROOT}\\cloudwatch-agent.json"
# Writes bucket policies (owner-only, archive) and owner.txt; called by bucket products.
BUCKET_ACCESS_FUNCTION_NAME = f"{PREFIX}-bucket-access"
BUCKET_PURGE_FUNCTION_NAME = f"{PREFIX}-bucket-purge"

# Roles and instance profiles created by product templates live under this path, so launch
# roles can be scoped to it without knowing CloudFormation's generated names.
PRODUCT_ROLE_PATH = f"/{PREFIX}/products/"
PRODUCT_ROLE_BOUNDARY_NAME = f"{PREFIX}-product-role-boundary"
# Launch roles have fixed names at path "/": launch constraints name them with LocalRoleName,
# which Service Catalog resolves to the role of that name in the account that launches (the
# stage account or a spoke). LocalRoleName takes a role name only and Service Catalog documents
# no path for it, so no path is relied on. A bucket policy exempts exactly the storage family's
# launch role (it manages the bucket's configuration) by this name.
LAUNCH_ROLE_NAME_PREFIX = f"{PREFIX}-launch-"


def launch_role_name(family: str) -> str:
    return f"{LAUNCH_ROLE_NAME_PREFIX}{family}"


# A community's end-user permissions in a spoke account: a customer managed policy with a fixed
# name, so IAM Identity Center permission sets can reference it in every account.
def end_user_policy_name(community: str) -> str:
    return f"{PREFIX}-end-user-{community}"


# Its companion: SSH, bash, update plans and Studio lookups (the first policy is near IAM's size
# limit). Permission sets reference both.
def end_user_workflows_policy_name(community: str) -> str:
    return f"{PREFIX}-end-user-{community}-workflows"


# A community's launch block for its role patterns (IAM Identity Center permission-set roles,
# which only Identity Center may attach policies to): a customer managed policy with a fixed
# name, so permission sets can reference it. It denies only while the community is blocked.
def launch_block_policy_name(community: str) -> str:
    return f"{PREFIX}-launch-block-{community}"


# Tag keys the catalog sets on every product resource.
PRODUCT_TAG = f"{PREFIX}:product"
OWNER_TAG = "Owner"
OWNER_EMAIL_TAG = "OwnerEmail"
OWNER_PRINCIPAL_TAG = f"{PREFIX}:owner-principal-arn"
# Equals the owner's ${aws:userid} ("<RoleId>:<session>"): the end-user policy compares the two.
OWNER_USERID_TAG = f"{PREFIX}:owner-userid"
COMMUNITY_TAG = "Community"
# The TagOption researchers choose at launch (their community's cost centers).
COST_CENTER_TAG = "CostCenter"
# On a Studio user profile: the member's own "<RoleId>:<session>" (their ${aws:userid}).
STUDIO_MEMBER_TAG = f"{PREFIX}:member-userid"
# Operators share a bucket with communities for mounting on their workstations (space-separated
# community names), read-only or read-write. The product-context handler checks them.
MOUNTABLE_BY_TAG = f"{PREFIX}:mountable-by"
WRITABLE_BY_TAG = f"{PREFIX}:writable-by"
# Operators share a private ECR repository with communities' jobs (space-separated community
# names); a repository tagged with a researcher's owner-userid serves that researcher's jobs.
# Untagged repositories serve no product.
PULLABLE_BY_TAG = f"{PREFIX}:pullable-by"
# On a product role while its community's budget is spent (set by the budget enforcement
# function); the product boundary then denies what starts spending from inside a product.
BUDGET_BLOCKED_TAG = f"{PREFIX}:budget-blocked"
# Tags that decide who may reach a resource, who pays for it and what happens to it (the
# catalog's own keys and the owner and community tags): only templates and the catalog's own
# functions set them, never a role a researcher or their code controls, nor a tag update.
RESERVED_TAG_KEY_PATTERNS = (f"{PREFIX}:*", OWNER_TAG, OWNER_EMAIL_TAG, COMMUNITY_TAG)
PATCH_GROUP_TAG = "PatchGroup"
# The patch group of workstation versions before issue 19 (nothing patched them; they lack the
# permission AWS-RunPatchBaseline needs, so no window targets them).
PATCH_GROUP = f"{PREFIX}-workstations"
# The weekly patch windows a workstation's owner chooses from (launch form value -> schedule, in
# the stage's patching time zone). Each is its own patch group, the PatchGroup tag's value: the
# Shared stack registers every group with the baselines and targets each from its window.
PATCH_WINDOWS = {
    "Sunday-0300": "cron(0 3 ? * SUN *)",
    "Wednesday-0300": "cron(0 3 ? * WED *)",
    "Friday-2000": "cron(0 20 ? * FRI *)",
}
DEFAULT_PATCH_WINDOW = "Sunday-0300"


def patch_group(window: str) -> str:
    return f"{PREFIX}-patch-{window.lower()}"


# Service Catalog names every provisioned stack "SC-<account>-pp-<id>"; CloudFormation derives
# generated physical names (log groups, alarms) from the stack name.
PROVISIONED_STACK_PREFIX = "SC-"

# Image Builder pipelines publish each image's newest AMI ID here, per architecture
# ("x86_64" or "arm64"); products fall back to AWS's public parameters where none exists.
IMAGE_PARAMETER_ROOT = f"{PARAMETER_ROOT}/ami"


def image_parameter(image: str, architecture: str) -> str:
    return f"{IMAGE_PARAMETER_ROOT}/{image}/{architecture}"


# An AMI that a catalog instance or image parameter still references carries this tag (set and
# removed by the image keeper in every account products launch in); the image pipelines'
# lifecycle policies never delete an AMI that has it.
IMAGE_IN_USE_TAG = f"{PREFIX}:image-in-use"
IMAGE_IN_USE_VALUE = "true"

# Studio teams: every resource of a team carries its stack name under this tag (propagated to
# the apps and spaces members start), which the team's budget filters on; the most an owner
# may budget comes from the stage config through this parameter.
STUDIO_TEAM_TAG = f"{PREFIX}:studio-team"
STUDIO_TEAM_BUDGET_LIMIT_PARAMETER = f"{PARAMETER_ROOT}/studio-team/max-budget-usd"

# Launch roles may use a KMS key of the image-building account only if it carries this tag.
IMAGES_KEY_TAG = f"{PREFIX}:purpose"
IMAGES_KEY_TAG_VALUE = "images"


# Scheduled jobs (AWS Batch on Fargate). Compute, queues and the submit API are shared per
# stage (per community for queues): per-product compute environments or REST APIs would hit
# the region's quotas (50 compute environments, 600 regional REST APIs, neither raisable).
JOBS_KEY_ARN_PARAMETER = f"{PARAMETER_ROOT}/kms/jobs-key-arn"
JOB_SUBMIT_API_URL_PARAMETER = f"{PARAMETER_ROOT}/jobs/submit-api-url"
JOB_SUBMIT_API_STAGE = "v1"
# Assumed by EventBridge Scheduler for every product's schedule; it may submit only catalog
# job definitions, to catalog queues.
JOB_SCHEDULER_ROLE_NAME = f"{PREFIX}-job-scheduler"
# Job definitions are registered by the shared handler under this prefix (underscores: the
# name doubles as the job's fair-share identifier, which allows no hyphens).
JOB_DEFINITION_PREFIX = "research_catalog_job_"
# On each job definition: its fair-share identifier (its name). The end-user policy lets a
# member submit only with the share identifier of the definition they submit.
SHARE_IDENTIFIER_TAG = f"{PREFIX}:share-identifier"


def job_queue_name(community: str, *, spot: bool) -> str:
    """The fixed name of a community's job queue: the handler and end-user policies know it."""
    return f"{PREFIX}-{community}-{'fargate-spot' if spot else 'fargate'}"


# The stage's pooled job compute: one Fargate and one Fargate Spot queue for every community,
# with a fair-share scheduling policy (a quota-free design: 2 of the region's 50 compute
# environments, whatever the number of communities).
def pooled_job_queue_name(*, spot: bool) -> str:
    return f"{PREFIX}-jobs-{'fargate-spot' if spot else 'fargate'}"


# AWS Batch share identifiers allow letters and digits only (at most 255). A community name is
# lower case letters, digits and "-"; "-" becomes "Z" and "O" separates the community from the
# owner's share, so neither can collide with another community's identifiers: every identifier
# of a community starts with job_share_prefix(community), which IAM policies can pin
# (batch:ShareIdentifier StringLike "<prefix>*").
JOB_SHARE_SEPARATOR = "O"
# A community's owners are spread over this many share identifiers (the batch_job handler's
# SHARES_PER_COMMUNITY): a fair-share queue takes at most BATCH_ACTIVE_SHARES_MAX active
# identifiers, which a stage's communities must not outnumber
# (tests/unit/config/test_rules_communities.py checks config's MAX_COMMUNITIES against it).
JOB_SHARES_PER_COMMUNITY = 2
BATCH_ACTIVE_SHARES_MAX = 500


def job_share_prefix(community: str) -> str:
    return community.replace("-", "Z") + JOB_SHARE_SEPARATOR


# Cross-stack wiring without CloudFormation exports: the Catalog stack publishes what community
# stacks need under these names, and each community stack publishes what the stage's functions
# need about it, so a community is added or removed by deploying (or deleting) its own stack.
CATALOG_PARAMETER_ROOT = f"{PARAMETER_ROOT}/catalog"
CATALOG_ADMIN_FUNCTION_PARAMETER = f"{CATALOG_PARAMETER_ROOT}/admin-function-arn"
CATALOG_ADMIN_ROLE_PARAMETER = f"{CATALOG_PARAMETER_ROOT}/admin-role-name"


def product_id_parameter(product_key: str) -> str:
    return f"{CATALOG_PARAMETER_ROOT}/products/{product_key}/id"


def cost_center_key(value: str) -> str:
    """A stable short key of a CostCenter value: values may hold characters that SSM names and
    logical IDs do not allow, and a key by position would change when another value is added."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def cost_center_parameter(value: str) -> str:
    """Holds the ID of the TagOption of a CostCenter value."""
    return f"{CATALOG_PARAMETER_ROOT}/cost-centers/{cost_center_key(value)}"


COST_PARAMETER_ROOT = f"{PARAMETER_ROOT}/cost"
LAUNCH_BLOCK_POLICY_PARAMETER = f"{COST_PARAMETER_ROOT}/launch-block-policy-arn"
NOTIFICATIONS_KEY_PARAMETER = f"{COST_PARAMETER_ROOT}/notifications-key-arn"
BUDGET_ENFORCEMENT_FUNCTION_PARAMETER = f"{COST_PARAMETER_ROOT}/enforcement-function-arn"
COST_REPORT_ROLE_PARAMETER = f"{COST_PARAMETER_ROOT}/report-role-arn"
# One JSON document per community, written by its stack: its roles (for the product-context
# function), budget and topics (for the cost functions). The functions read the whole path.
COMMUNITY_PARAMETER_ROOT = f"{PARAMETER_ROOT}/communities"
# One JSON document per provisioned product an operator moved to another owner
# (``make transfer-owner``), named by the provisioned product ID; the product-context function
# reads it on every Create and Update. Only operators write it (no role of the catalog may).
OWNER_TRANSFER_PARAMETER_ROOT = f"{PARAMETER_ROOT}/owner-transfers"


def owner_transfer_parameter(provisioned_product_id: str) -> str:
    return f"{OWNER_TRANSFER_PARAMETER_ROOT}/{provisioned_product_id}"


def community_parameter(community: str) -> str:
    return f"{COMMUNITY_PARAMETER_ROOT}/{community}"


def community_stack_name(stage: str, community: str) -> str:
    """The CloudFormation name of a community's stack; CloudFormation starts the names it
    generates for the stack's resources (its SNS topics) with it."""
    return f"{PREFIX}-{stage}-community-{community}"


# Sign-in service (SignIn stack, optional). The catalog creates one role per sign-in community
# under a fixed name: the Catalog and Cost stacks attach policies to it by name, and only the
# sign-in function may assume it, with the session name and source identity set to the user ID
# the identity provider verified.
SIGN_IN_ROLE_PREFIX = f"{PREFIX}-sign-in-"


def sign_in_role_name(community: str) -> str:
    """At most 56 characters: community names have at most 31."""
    return f"{SIGN_IN_ROLE_PREFIX}{community}"


# One small JSON document per sign-in community (its title, manager and Synapse team or group),
# written by the community's stack: the sign-in function reads this path (GetParametersByPath,
# nothing else of SSM) instead of holding every community in its 4 KB environment. It never
# names a role: the function derives the role from the community's name (sign_in_role_name).
SIGN_IN_COMMUNITY_PARAMETER_ROOT = f"{PARAMETER_ROOT}/sign-in/communities"


def sign_in_community_parameter(community: str) -> str:
    return f"{SIGN_IN_COMMUNITY_PARAMETER_ROOT}/{community}"


# Session tags the sign-in service sets from the verified claims; the end-user policy and the
# product-context function read them as the owner's user name and e-mail.
SESSION_TAG_USERNAME = f"{PREFIX}:username"
SESSION_TAG_EMAIL = f"{PREFIX}:email"
# The verified user name and e-mail of every user who signed in, by user ID (the session name):
# session tags cannot be read back from a session, so the product-context function reads them
# here when a sign-in community's member launches a product.
SIGN_IN_USERS_TABLE_NAME = f"{PREFIX}-sign-in-users"

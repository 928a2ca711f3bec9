"""SageMaker Studio Team: the launch form (team, compute and costs) and its limits."""

from catalog_constructs.product_template.bucket import BUCKET_NAME_PATTERN
from catalog_constructs.product_template.launch_form import FormGroup, FormParameter
from config.sections.studio_teams import MAX_TEAM_BUDGET_USD

# Curated: CPU types for notebooks and a few single-GPU types; multi-GPU types stay out so
# one click cannot start an instance that costs tens of dollars an hour.
INSTANCE_TYPES = (
    "ml.t3.medium",
    "ml.t3.large",
    "ml.t3.xlarge",
    "ml.m5.large",
    "ml.m5.xlarge",
    "ml.m5.2xlarge",
    "ml.m5.4xlarge",
    "ml.c5.xlarge",
    "ml.c5.2xlarge",
    "ml.r5.large",
    "ml.r5.xlarge",
    "ml.g4dn.xlarge",
    "ml.g5.xlarge",
    "ml.g5.2xlarge",
    "ml.g6.xlarge",
)
MAX_SPACE_STORAGE_GIB = 100
MAX_MEMBERS = 20
# A member is named by the session name they sign in with (their user name in the identity
# provider); the profile name keeps only its letters, digits and hyphens.
MEMBER = r"[A-Za-z0-9+=.@_-]{2,64}"

TEAM_NAME = FormParameter(
    name="TeamName",
    label="Team name",
    description="Short name of the team, shown in the domain name and tags.",
    constraint_description=(
        "Enter 2 to 24 characters: lower-case letters, digits and hyphens, starting and "
        "ending with a letter or digit, e.g. team-alpha."
    ),
    allowed_pattern=r"^[a-z0-9][a-z0-9-]{0,22}[a-z0-9]$",
)
MEMBERS = FormParameter(
    name="Members",
    label="Members",
    description=(
        "The members' sign-in names (the session name the catalog shows as your Owner tag, "
        "e.g. jdoe or jane.doe@example.org), separated by commas. Each gets a user profile "
        "named after it: an e-mail address without its domain (jane.doe@example.org: "
        "jane-doe), other symbols than letters, digits and hyphens replaced by hyphens. Add or "
        "remove members later with Update; a member keeps their profile, and a removed "
        "member's apps, spaces and profile are deleted."
    ),
    constraint_description=(
        f"Enter 1 to {MAX_MEMBERS} sign-in names separated by commas without spaces, each 2 to "
        "64 characters of letters, digits and + = . @ _ -, e.g. jdoe,jane.doe@example.org."
    ),
    allowed_pattern=f"^{MEMBER}(,{MEMBER}){{0,{MAX_MEMBERS - 1}}}$",
)
TRAINING_DATA = FormParameter(
    name="TrainingDataBucket",
    label="Training-data bucket (optional)",
    description=(
        "Name of an existing bucket with training data the team may read (never write). "
        "Leave empty for none. The bucket's own policy must not deny the team's execution role."
    ),
    constraint_description=(
        "Leave empty, or enter an S3 bucket name: 3 to 63 lower-case letters, digits and "
        "hyphens, starting and ending with a letter or digit."
    ),
    default="",
    allowed_pattern=BUCKET_NAME_PATTERN,
    max_length=63,
)
INSTANCE_TYPES_PARAMETER = FormParameter(
    name="AllowedInstanceTypes",
    label="Allowed instance types",
    description=(
        "Instance types members may start JupyterLab and Code Editor spaces on, separated by "
        "commas. Starting any other type is refused. GPU types: ml.g4dn.xlarge, "
        "ml.g5.xlarge, ml.g5.2xlarge, ml.g6.xlarge."
    ),
    constraint_description=(
        "Choose one or more of: " + ", ".join(INSTANCE_TYPES) + " (comma-separated)."
    ),
    type="CommaDelimitedList",
    default="ml.t3.medium,ml.m5.large",
    allowed_values=INSTANCE_TYPES,
)
IDLE_MINUTES = FormParameter(
    name="IdleShutdownMinutes",
    label="Idle shutdown (minutes)",
    description=(
        "A JupyterLab or Code Editor space with no activity (kernels, terminals, editing) for "
        "this long is stopped automatically (files in the space stay)."
    ),
    constraint_description="Enter a whole number of minutes from 60 to 720.",
    type="Number",
    default="60",
    min_value=60,
    max_value=720,
)
SPACE_STORAGE = FormParameter(
    name="SpaceStorageGiB",
    label="Space storage (GiB)",
    description=(
        "Size of the encrypted disk of each new space, where a member's files live. Members "
        f"can grow a space's disk to {MAX_SPACE_STORAGE_GIB} GiB later."
    ),
    constraint_description=f"Enter a whole number of GiB from 5 to {MAX_SPACE_STORAGE_GIB}.",
    type="Number",
    default="5",
    min_value=5,
    max_value=MAX_SPACE_STORAGE_GIB,
)
TEAM_BUDGET = FormParameter(
    name="TeamBudgetUsd",
    label="Team budget (USD per month)",
    description=(
        "What the team may spend per calendar month on this domain (its apps, spaces and "
        "storage). You are e-mailed at 50 %, 80 % and 100 % of it and when the month's forecast "
        "passes it; nothing is stopped. The catalog sets the largest budget you may choose."
    ),
    constraint_description=(
        f"Enter a whole number of USD from 1 to {MAX_TEAM_BUDGET_USD}; the catalog may allow less."
    ),
    type="Number",
    default="100",
    min_value=1,
    max_value=MAX_TEAM_BUDGET_USD,
)

FORM = (
    FormGroup(label="Team", parameters=(TEAM_NAME, MEMBERS, TRAINING_DATA)),
    FormGroup(
        label="Compute and costs",
        parameters=(INSTANCE_TYPES_PARAMETER, IDLE_MINUTES, SPACE_STORAGE, TEAM_BUDGET),
    ),
)

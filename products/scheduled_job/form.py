"""Scheduled Job: the launch form (container, schedule and limits, alerts and logs)."""

from catalog_constructs.product_template.launch_form import FormGroup, FormParameter
from catalog_constructs.shared.product_context.handler.product_context_handlers.fargate import (
    FARGATE_SIZES,
    SECRETS_VARIABLE,
    size_label,
)

JOB_SIZES = tuple(
    size_label(vcpu, memory) for vcpu, memories in FARGATE_SIZES.items() for memory in memories
)
LOG_RETENTION_DAYS = (
    "1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545",
    "731", "1096", "1827", "2192", "2557", "2922", "3288", "3653",
)  # fmt: skip
# A registry host (optional), a repository path in lower case, then a tag and/or digest.
IMAGE_PATTERN = (
    r"^(?:[a-zA-Z0-9][a-zA-Z0-9.-]*(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[a-f0-9]{64})?$"
)
SCHEDULE_PATTERN = (
    r"^(rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)"
    r"|cron\([^()]+\))$"
)
NO_ALERT_EMAIL = "none"

FORM = (
    FormGroup(
        label="Container",
        parameters=(
            FormParameter(
                name="Image",
                label="Container image",
                description=(
                    "A public image (Docker Hub python:3.12-slim, public.ecr.aws/..., "
                    "ghcr.io/...) or an Amazon ECR image of this account shared with you or "
                    "your community (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:"
                    "<tag>). Pin a tag or a digest."
                ),
                constraint_description=(
                    "Enter an image reference such as python:3.12-slim, "
                    "ghcr.io/org/tool:1.2 or <account>.dkr.ecr.<region>.amazonaws.com/repo:tag "
                    "(lower-case repository, optional tag and @sha256 digest)."
                ),
                default="public.ecr.aws/docker/library/python:3.12-slim",
                allowed_pattern=IMAGE_PATTERN,
                min_length=1,
                max_length=1024,
            ),
            FormParameter(
                name="Command",
                label="Command (JSON array)",
                description=(
                    "The command and its arguments as a JSON array of strings, so an argument "
                    'may contain spaces: ["python", "-c", "print(\'hello\')"]. Empty runs the '
                    "image's own command."
                ),
                constraint_description="At most 4096 characters; a JSON array of strings.",
                default='["python", "-c", "print(\'hello from the catalog\')"]',
                max_length=4096,
            ),
            FormParameter(
                name="EnvironmentVariables",
                label="Environment variables",
                description=(
                    "NAME=value entries separated by ';' (write \\; for a semicolon inside a "
                    "value), e.g. INPUT=s3://bucket/in;THREADS=4. Each becomes its own "
                    f"variable. Never put secrets here: use the secret ({SECRETS_VARIABLE})."
                ),
                constraint_description="At most 4096 characters of NAME=value entries.",
                default="",
                max_length=4096,
            ),
            FormParameter(
                name="JobSize",
                label="vCPU and memory",
                description=(
                    "A Fargate size: vCPUs and memory in GiB. Price per hour: "
                    "https://aws.amazon.com/fargate/pricing/"
                ),
                constraint_description="Choose one of the listed Fargate sizes.",
                default="1 vCPU, 2 GiB",
                allowed_values=JOB_SIZES,
            ),
            FormParameter(
                name="CpuArchitecture",
                label="CPU architecture",
                description=(
                    "X86_64 (Intel/AMD) or ARM64 (Graviton, about 20% cheaper). The image must "
                    "be built for it; Fargate Spot runs X86_64 only."
                ),
                constraint_description="Choose X86_64 or ARM64.",
                default="X86_64",
                allowed_values=("X86_64", "ARM64"),
            ),
            FormParameter(
                name="EphemeralStorageGiB",
                label="Scratch storage (GiB)",
                description=(
                    "Temporary disk of each run, erased when the run ends. Keep results in a "
                    "bucket."
                ),
                constraint_description="Enter a whole number of GiB from 21 to 200.",
                type="Number",
                default=21,
                min_value=21,
                max_value=200,
            ),
        ),
    ),
    FormGroup(
        label="Schedule and limits",
        parameters=(
            FormParameter(
                name="ScheduleExpression",
                label="Schedule",
                description=(
                    "rate(1 day), rate(6 hours), rate(30 minutes), or cron(minutes hours "
                    "day-of-month month day-of-week year), e.g. cron(0 7 ? * MON-FRI *) for "
                    "07:00 on weekdays in the time zone below."
                ),
                constraint_description=(
                    "Enter rate(<n> minutes|hours|days) (rate(1 minute|hour|day) for one) or "
                    "cron(<six fields>)."
                ),
                default="rate(1 day)",
                allowed_pattern=SCHEDULE_PATTERN,
                max_length=256,
            ),
            FormParameter(
                name="ScheduleTimezone",
                label="Time zone",
                description="IANA time zone of cron schedules, e.g. UTC, Europe/Zurich.",
                constraint_description="Enter an IANA time zone name such as UTC or Asia/Tokyo.",
                default="UTC",
                allowed_pattern=r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$",
                max_length=50,
            ),
            FormParameter(
                name="ScheduleState",
                label="Schedule on or off",
                description=(
                    "ENABLED runs the job on the schedule; DISABLED keeps everything but runs "
                    "it only when you call the SubmitJobApi. Change it any time by updating "
                    "the product."
                ),
                constraint_description="Choose ENABLED or DISABLED.",
                default="ENABLED",
                allowed_values=("ENABLED", "DISABLED"),
            ),
            FormParameter(
                name="TimeoutSeconds",
                label="Time limit per attempt (seconds)",
                description="Batch stops an attempt that runs longer (60 to 3600 seconds).",
                constraint_description="Enter a whole number of seconds from 60 to 3600.",
                type="Number",
                default=3600,
                min_value=60,
                max_value=3600,
            ),
            FormParameter(
                name="Attempts",
                label="Attempts",
                description=(
                    "How many times a run is tried in total when it fails: 1 = no retry, 3 = "
                    "the first try and up to 2 retries. Each attempt gets the full time limit."
                ),
                constraint_description="Enter a whole number from 1 to 5.",
                type="Number",
                default=1,
                min_value=1,
                max_value=5,
            ),
            FormParameter(
                name="UseFargateSpot",
                label="Use Fargate Spot",
                description=(
                    "Yes runs on spare capacity, up to 70% cheaper, but a run may be "
                    "interrupted (it is then retried if Attempts allows). X86_64 only."
                ),
                constraint_description="Choose No or Yes.",
                default="No",
                allowed_values=("No", "Yes"),
            ),
        ),
    ),
    FormGroup(
        label="Alerts and logs",
        parameters=(
            FormParameter(
                name="AlertEmail",
                label="E-mail for failure alerts",
                description=(
                    "Who is told when a run fails. Empty: your own address as the catalog "
                    f"knows it. '{NO_ALERT_EMAIL}': no e-mail (the AlertTopic output still "
                    "receives every failure). Confirm the subscription e-mail AWS sends."
                ),
                constraint_description=f"Enter an e-mail address, '{NO_ALERT_EMAIL}' or nothing.",
                default="",
                allowed_pattern=rf"^(|{NO_ALERT_EMAIL}|[^\s@]+@[^\s@]+\.[^\s@]+)$",
                max_length=254,
            ),
            FormParameter(
                name="LogRetentionDays",
                label="Keep logs for (days)",
                description="How long CloudWatch keeps the job's output.",
                constraint_description="Choose one of the listed numbers of days.",
                type="Number",
                default="90",
                allowed_values=LOG_RETENTION_DAYS,
            ),
        ),
    ),
)

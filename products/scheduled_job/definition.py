"""Scheduled Job: identity, released versions and smoke test. No CDK import."""

from products.definition import HTTPS_URL, ProductDefinition, ProductVersion, SmokeTest

DEFINITION = ProductDefinition(
    key="scheduled-job",
    family="jobs",
    display_name="Scheduled Job",
    description=(
        "Runs your container image on AWS Batch (Fargate) on a schedule or when you call its "
        "authenticated HTTPS endpoint, with secrets from Secrets Manager, logs in CloudWatch "
        "and an e-mail when a run fails. No servers to manage; you pay only while the job runs."
    ),
    versions=(
        ProductVersion(
            name="v1",
            description=(
                "First release: a container on AWS Batch Fargate on a schedule (rate or "
                "cron, time zone, on/off) or through an IAM-authenticated API; command as a "
                "JSON array, validated environment variables, secrets from Secrets Manager, "
                "logs, failure alerts by e-mail."
            ),
        ),
        ProductVersion(
            name="v2",
            description=(
                "Private Amazon ECR images only from repositories shared with you (tagged "
                "with your user ID) or with your community (research-catalog:pullable-by); "
                "other repositories of the account are refused. The job's secret's policy and "
                "key can be changed only by the catalog (you still set its values). The job "
                "role no longer reaches your buckets unless a bucket policy names it. Updating "
                "from v1 keeps the schedule and the secret's values."
            ),
        ),
    ),
    smoke_test=SmokeTest(
        parameters={
            "JobSize": "0.25 vCPU, 0.5 GiB",
            "ScheduleState": "DISABLED",
            "AlertEmail": "none",
            "LogRetentionDays": "1",
        },
        outputs={
            "SubmitJobApi": HTTPS_URL,
            "JobSecretsArn": r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+",
            "JobSecretsConsole": HTTPS_URL,
            "Jobs": HTTPS_URL,
            "Logs": HTTPS_URL,
            "Documentation": HTTPS_URL,
        },
    ),
)

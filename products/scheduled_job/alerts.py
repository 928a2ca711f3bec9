"""A scheduled job's failure alerts: every failed run of this product's job definition reaches
its own topic and the owner's e-mail. Built on the product stack's own scope, so the logical
IDs are those of the released templates."""

from aws_cdk import CfnCondition, CustomResource, Fn, Stack, aws_events as events, aws_sns as sns

from catalog_constructs.product_template.launch_form import LaunchForm
from products.scheduled_job.form import NO_ALERT_EMAIL


def add_failure_alerts(
    stack: Stack, form: LaunchForm, job: CustomResource, jobs_key: str
) -> sns.CfnTopic:
    """Every failed run reaches the product's topic and, unless the owner chose none, an
    e-mail address."""
    topic = sns.CfnTopic(
        stack,
        "AlertTopic",
        display_name="Scheduled job failures",
        kms_master_key_id=jobs_key,
    )
    rule = events.CfnRule(
        stack,
        "FailedRuns",
        description="A run of this scheduled job failed",
        event_pattern={
            "source": ["aws.batch"],
            "detail-type": ["Batch Job State Change"],
            "detail": {
                "status": ["FAILED"],
                "jobDefinition": [
                    {
                        "prefix": Fn.sub(
                            "arn:${AWS::Partition}:batch:${AWS::Region}:${AWS::AccountId}:"
                            "job-definition/${Name}:",
                            {"Name": job.get_att_string("JobDefinitionName")},
                        )
                    }
                ],
            },
        },
        targets=[
            events.CfnRule.TargetProperty(
                id="AlertTopic",
                arn=topic.ref,
                input_transformer=events.CfnRule.InputTransformerProperty(
                    input_paths_map={
                        "job": "$.detail.jobName",
                        "id": "$.detail.jobId",
                        "reason": "$.detail.statusReason",
                        "time": "$.time",
                    },
                    input_template=(
                        '"Scheduled job run <job> (<id>) failed at <time>: <reason>. '
                        'Open the Logs output of your provisioned product to see why."'
                    ),
                ),
            )
        ],
    )
    sns.CfnTopicPolicy(
        stack,
        "AlertTopicPolicy",
        topics=[topic.ref],
        policy_document={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "FailureEventsOfThisJob",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic.ref,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule.attr_arn}},
                },
                {
                    "Sid": "TlsOnly",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sns:Publish",
                    "Resource": topic.ref,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        },
    )
    email_alerts = CfnCondition(
        stack,
        "EmailAlerts",
        expression=Fn.condition_not(Fn.condition_equals(form.value("AlertEmail"), NO_ALERT_EMAIL)),
    )
    subscription = sns.CfnSubscription(
        stack,
        "AlertEmailSubscription",
        topic_arn=topic.ref,
        protocol="email",
        endpoint=job.get_att_string("AlertEmail"),
    )
    subscription.cfn_options.condition = email_alerts
    return topic

"""The workstation's idle stop: CloudWatch alarms that stop the instance when it has been idle
for the number of hours its owner chose."""

from typing import cast

from aws_cdk import CfnCondition, Fn, ICfnConditionExpression, Stack, aws_cloudwatch as cloudwatch
from constructs import Construct

from catalog_constructs.product_template.workstation import linux_setup

IDLE_CPU_PERCENT = 5
# One hour per evaluation period: the owner chooses whole hours.
PERIOD_SECONDS = 3600


def _stop_alarm(
    scope: Construct,
    construct_id: str,
    *,
    description: str,
    namespace: str,
    metric: str,
    instance_id: str,
    hours: float,
) -> cloudwatch.CfnAlarm:
    return cloudwatch.CfnAlarm(
        scope,
        construct_id,
        alarm_description=description,
        namespace=namespace,
        metric_name=metric,
        dimensions=[cloudwatch.CfnAlarm.DimensionProperty(name="InstanceId", value=instance_id)],
        statistic="Average",
        period=PERIOD_SECONDS,
        evaluation_periods=hours,
        datapoints_to_alarm=hours,
        threshold=IDLE_CPU_PERCENT,
        comparison_operator="LessThanThreshold",
        # No data: the instance is stopped or has just started, which is not idleness.
        treat_missing_data="notBreaching",
        alarm_actions=[Fn.sub("arn:${AWS::Partition}:automate:${AWS::Region}:ec2:stop")],
    )


def add_idle_stop(
    scope: Construct,
    *,
    instance_id: str,
    hours: float,
    enabled: CfnCondition,
    has_gpu: CfnCondition | None,
) -> None:
    """``IdleStop`` on EC2's CPU metric; with ``has_gpu``, also ``IdleStopGpu`` on the activity
    a GPU instance reports (the busier of CPU and GPU, linux_setup.ACTIVITY), each existing only
    for its kind of instance type. A CloudWatch alarm can stop an instance only when it watches
    one per-instance metric (no metric math), hence the instance's own report."""
    cpu_alarm = _stop_alarm(
        scope,
        "IdleStop",
        description=(
            f"Stops the instance when its average CPU stays below {IDLE_CPU_PERCENT}% "
            "for the number of hours the owner chose"
        ),
        namespace="AWS/EC2",
        metric="CPUUtilization",
        instance_id=instance_id,
        hours=hours,
    )
    if has_gpu is None:
        cpu_alarm.cfn_options.condition = enabled
        return
    stack = Stack.of(scope)
    cpu_alarm.cfn_options.condition = CfnCondition(
        stack,
        "IdleStopOnCpu",
        expression=Fn.condition_and(_expression(enabled), Fn.condition_not(_expression(has_gpu))),
    )
    gpu_alarm = _stop_alarm(
        scope,
        "IdleStopGpu",
        description=(
            "Stops the instance when neither its CPU nor its GPU is busier than "
            f"{IDLE_CPU_PERCENT}% on average for the number of hours the owner chose"
        ),
        namespace=linux_setup.ACTIVITY_NAMESPACE,
        metric=linux_setup.ACTIVITY_METRIC,
        instance_id=instance_id,
        hours=hours,
    )
    gpu_alarm.cfn_options.condition = CfnCondition(
        stack,
        "IdleStopOnGpu",
        expression=Fn.condition_and(_expression(enabled), _expression(has_gpu)),
    )


def _expression(condition: CfnCondition) -> ICfnConditionExpression:
    """A condition as an operand of Fn.condition_and/not (``{"Condition": name}``); jsii's
    Python types omit that CfnCondition is one."""
    return cast(ICfnConditionExpression, condition)

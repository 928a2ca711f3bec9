"""The network products launch into: private subnets, the VPC endpoints they need, flow logs."""

from collections.abc import Sequence

from aws_cdk import (
    Annotations,
    CfnResource,
    RemovalPolicy,
    Stack,
    aws_ec2 as ec2,
    aws_kms as kms,
    aws_logs as logs,
)
from constructs import Construct

from catalog_constructs.common.nag import acknowledge

# Endpoints a product needs to run without reaching AWS over the internet: Session Manager
# (ssm, ssmmessages, ec2messages), the CloudWatch agent (logs, monitoring), KMS for
# encrypted volumes and STS for the instance role. S3 is a free gateway endpoint.
# Config name (config.sections.network.ENDPOINT_NAMES) -> (construct ID, service). Each costs
# per AZ and hour (bench/fixed_cost.py); config chooses which, and the NAT gateway carries the
# rest.
INTERFACE_ENDPOINTS: dict[str, tuple[str, ec2.InterfaceVpcEndpointAwsService]] = {
    "ssm": ("Ssm", ec2.InterfaceVpcEndpointAwsService.SSM),
    "ssmmessages": ("SsmMessages", ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES),
    "ec2messages": ("Ec2Messages", ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES),
    "logs": ("Logs", ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS),
    "monitoring": ("Monitoring", ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING),
    "kms": ("Kms", ec2.InterfaceVpcEndpointAwsService.KMS),
    "sts": ("Sts", ec2.InterfaceVpcEndpointAwsService.STS),
    # SageMaker Studio in VPC-only mode: apps reach the SageMaker API and runtime privately.
    "sagemaker-api": ("SageMakerApi", ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API),
    "sagemaker-runtime": (
        "SageMakerRuntime",
        ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
    ),
}


class CatalogNetwork(Construct):
    """Either a new VPC (public subnets only for NAT, private subnets for products) or an
    existing VPC and private subnets given by ID.

    Existing subnets are used as they are: the catalog adds endpoints only when asked, because
    an organisation's network team often provides them centrally.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        logs_key: kms.IKey,
        cidr: str | None = None,
        max_azs: int = 2,
        nat_gateways: int = 1,
        existing_vpc_id: str | None = None,
        existing_subnet_ids: list[str] | None = None,
        existing_vpc_cidr: str | None = None,
        create_endpoints: bool = True,
        endpoints: Sequence[str] = tuple(INTERFACE_ENDPOINTS),
        endpoint_azs: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if existing_vpc_id:
            subnet_ids = existing_subnet_ids or []
            self.vpc: ec2.IVpc = ec2.Vpc.from_vpc_attributes(
                self,
                "Vpc",
                vpc_id=existing_vpc_id,
                vpc_cidr_block=existing_vpc_cidr,
                # Only used to label imported subnets; no lookup happens.
                availability_zones=[f"az{index}" for index in range(len(subnet_ids))],
                private_subnet_ids=subnet_ids,
            )
            self.private_subnet_ids = subnet_ids
            for subnet in self.vpc.private_subnets:
                # Interface endpoints and instances need no route table; the catalog adds no
                # route to a VPC it does not own (no S3 gateway endpoint there, see below).
                Annotations.of(subnet).acknowledge_warning(
                    "@aws-cdk/aws-ec2:noSubnetRouteTableId",
                    "The catalog adds no route to an existing VPC's route tables",
                )
        else:
            vpc = ec2.Vpc(
                self,
                "Vpc",
                ip_addresses=ec2.IpAddresses.cidr(cidr or "10.0.0.0/16"),
                max_azs=max_azs,
                nat_gateways=nat_gateways,
                subnet_configuration=[
                    ec2.SubnetConfiguration(
                        name="Nat", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=26
                    ),
                    ec2.SubnetConfiguration(
                        name="Products",
                        subnet_type=(
                            ec2.SubnetType.PRIVATE_WITH_EGRESS
                            if nat_gateways
                            else ec2.SubnetType.PRIVATE_ISOLATED
                        ),
                        cidr_mask=20,
                    ),
                ],
                restrict_default_security_group=True,
            )
            flow_log_group = logs.LogGroup(
                self,
                "FlowLogs",
                retention=logs.RetentionDays.ONE_YEAR,
                encryption_key=logs_key,
                removal_policy=RemovalPolicy.RETAIN,
            )
            vpc.add_flow_log(
                "FlowLog",
                destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_log_group),
                traffic_type=ec2.FlowLogTrafficType.ALL,
                max_aggregation_interval=ec2.FlowLogMaxAggregationInterval.TEN_MINUTES,
            )
            for subnet in vpc.public_subnets:
                acknowledge(
                    subnet,
                    [
                        "HIPAA.Security-VPCNoUnrestrictedRouteToIGW",
                        "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
                        "HIPAA.Security-VPCSubnetAutoAssignPublicIpDisabled",
                        "NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled",
                    ],
                    "These public subnets hold only the NAT gateways that give private subnets "
                    "egress; products launch in the private subnets without public addresses.",
                )
            flow_log_role = vpc.node.find_child("FlowLog").node.find_child("IAMRole")
            acknowledge(
                flow_log_role,
                ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
                "CDK's flow-log role, scoped by CDK to the flow log's own log group.",
            )
            self.vpc = vpc
            _drop_redundant_provider_dependency(self)
            self.private_subnet_ids = [
                subnet.subnet_id
                for subnet in vpc.select_subnets(subnet_group_name="Products").subnets
            ]

        if create_endpoints and endpoints:
            self._add_interface_endpoints(endpoints, endpoint_azs)
        if not existing_vpc_id:
            # Imported subnets carry no route tables, so the S3 gateway endpoint is created only
            # in a VPC the catalog owns.
            self.vpc.add_gateway_endpoint("S3Endpoint", service=ec2.GatewayVpcEndpointAwsService.S3)

    def _add_interface_endpoints(self, endpoints: Sequence[str], azs: int | None) -> None:
        # The products' subnets: the VPC's own, or the existing ones it was imported with
        # (imported as the VPC's, so they carry no route-table warning); the first ``azs`` of
        # them (one per AZ), and instances elsewhere cross AZs.
        products = self.vpc.private_subnets or self.vpc.isolated_subnets
        subnets = ec2.SubnetSelection(subnets=products[:azs] if azs else products)
        endpoint_security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="HTTPS from the VPC to the interface endpoints",
            allow_all_outbound=False,
        )
        endpoint_security_group.add_ingress_rule(
            ec2.Peer.ipv4(self.vpc.vpc_cidr_block),
            ec2.Port.tcp(443),
            "HTTPS from the catalog VPC",
        )
        acknowledge(
            endpoint_security_group,
            [
                "AwsSolutions-EC23",
                "HIPAA.Security-EC2RestrictedCommonPorts",
                "NIST.800.53.R5-EC2RestrictedCommonPorts",
                "HIPAA.Security-EC2RestrictedSSH",
                "NIST.800.53.R5-EC2RestrictedSSH",
            ],
            "Only tcp/443 from the VPC's own CIDR block; the rules cannot resolve the CIDR, "
            "which CloudFormation reads from the VPC at deploy time.",
        )
        for key in endpoints:
            name, service = INTERFACE_ENDPOINTS[key]
            ec2.InterfaceVpcEndpoint(
                self,
                f"{name}Endpoint",
                vpc=self.vpc,
                service=service,
                subnets=subnets,
                security_groups=[endpoint_security_group],
                private_dns_enabled=True,
            )


def _drop_redundant_provider_dependency(scope: Construct) -> None:
    """CDK's provider for ``restrict_default_security_group`` makes its handler both DependsOn
    and GetAtt its role; cfn-lint reports the redundant DependsOn (W3005). The GetAtt alone
    already orders them."""
    stack = Stack.of(scope)
    provider = stack.node.try_find_child("Custom::VpcRestrictDefaultSGCustomResourceProvider")
    if provider is None:
        return
    handler = provider.node.find_child("Handler")
    role = provider.node.find_child("Role")
    if isinstance(handler, CfnResource) and isinstance(role, CfnResource):
        handler.remove_resource_dependency(role)

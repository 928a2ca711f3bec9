"""The shared notebook gateway: one HTTPS load balancer that signs users in before any notebook.

Each notebook product adds its own listener rule (``Custom::NotebookRoute``): host
``<route id>.<domain_name>``, OIDC sign-in, forward to that instance's nginx, which serves
only that host name, asks the owner-check service whether the signed-in user is the
instance's owner, strips the load balancer's token headers and proxies to RStudio or
JupyterLab, which then ask for their own password. One host name per notebook gives each its
own web origin and its own load-balancer session cookie. Requests matching no notebook also
go through sign-in, then get a 404, so the gateway reveals nothing to anonymous clients.

The listener's certificate must cover ``*.<domain_name>`` (and ``<domain_name>`` itself, where
notebook v1 products still route by path), and the identity provider must accept the redirect
URI ``https://<host>/oauth2/idpresponse`` of every notebook host (docs/operations.md).

The gateway's settings reach product templates through one SSM parameter (``enabled: false``
where the stage configures no gateway), because product templates are identical in every
stage.
"""

from aws_cdk import (
    CfnOutput,
    Duration,
    SecretValue,
    Stack,
    aws_ec2 as ec2,
    aws_elasticloadbalancingv2 as elbv2,
    aws_iam as iam,
    aws_s3 as s3,
    aws_ssm as ssm,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.function import CatalogFunction
from catalog_constructs.common.nag import acknowledge
from config.sections.notebooks import NotebookGatewayConfig

ACCESS_LOG_PREFIX = "notebook-gateway"


def publish_disabled(scope: Construct) -> None:
    """The parameter products read where the stage has no gateway."""
    _parameter(scope, Stack.of(scope).to_json_string({"enabled": False}))


def _parameter(scope: Construct, value: str) -> None:
    ssm.StringParameter(
        scope,
        "NotebookGatewayParameter",
        parameter_name=contract.NOTEBOOK_GATEWAY_PARAMETER,
        string_value=value,
        description="Notebook gateway settings, read by notebook products at launch and boot",
    )


class NotebookGateway(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: NotebookGatewayConfig,
        vpc: ec2.IVpc,
        public_subnets: list[ec2.ISubnet],
        access_log_bucket: s3.IBucket,
        route_function: CatalogFunction,
        instance_cidr: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Notebook gateway: HTTPS from allowed clients, HTTPS to notebooks",
            allow_all_outbound=False,
        )
        for cidr in config.allowed_cidrs:
            for port, why in ((443, "HTTPS"), (80, "redirect to HTTPS")):
                self.security_group.add_ingress_rule(
                    ec2.Peer.ipv4(cidr), ec2.Port.tcp(port), f"Notebook users: {why}"
                )
        # Notebook instances admit the gateway's group on 443 (each route adds that rule);
        # the gateway reaches nothing else.
        self.security_group.add_egress_rule(
            ec2.Peer.ipv4(instance_cidr) if instance_cidr else ec2.Peer.any_ipv4(),
            ec2.Port.tcp(443),
            "Notebook instances (nginx with the owner check)",
        )
        acknowledge(
            self.security_group,
            [
                "AwsSolutions-EC23",
                "HIPAA.Security-EC2RestrictedCommonPorts",
                "NIST.800.53.R5-EC2RestrictedCommonPorts",
            ],
            "A public sign-in endpoint by design (config notebooks.allowed_cidrs narrows it): "
            "every request is authenticated by the identity provider before it reaches a "
            "notebook, and port 80 only redirects to HTTPS.",
        )

        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=True,
            vpc_subnets=ec2.SubnetSelection(subnets=public_subnets),
            security_group=self.security_group,
            drop_invalid_header_fields=True,
            deletion_protection=True,
            idle_timeout=Duration.minutes(60),
        )
        self.load_balancer.log_access_logs(access_log_bucket, ACCESS_LOG_PREFIX)
        acknowledge(
            self.load_balancer,
            ["NIST.800.53.R5-ALBWAFEnabled", "HIPAA.Security-ALBWAFEnabled"],
            "Every request must pass OIDC sign-in at the load balancer and the owner check on "
            "the instance; attach a WAF web ACL in addition where the organisation runs one.",
        )
        redirect = self.load_balancer.add_listener(
            "Http",
            port=80,
            protocol=elbv2.ApplicationProtocol.HTTP,
            default_action=elbv2.ListenerAction.redirect(protocol="HTTPS", port="443"),
            open=False,
        )
        acknowledge(
            redirect,
            [
                "HIPAA.Security-ELBv2ACMCertificateRequired",
                "NIST.800.53.R5-ELBv2ACMCertificateRequired",
            ],
            "Plain HTTP only answers with a redirect to HTTPS, which uses the ACM certificate.",
        )
        oidc = config.oidc
        self.listener = self.load_balancer.add_listener(
            "Https",
            port=443,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
            certificates=[elbv2.ListenerCertificate.from_arn(config.certificate_arn)],
            default_action=elbv2.ListenerAction.authenticate_oidc(
                issuer=oidc.issuer,
                authorization_endpoint=oidc.authorization_endpoint,
                token_endpoint=oidc.token_endpoint,
                user_info_endpoint=oidc.user_info_endpoint,
                client_id=oidc.client_id,
                client_secret=SecretValue.secrets_manager(oidc.client_secret_arn),
                scope=oidc.scope,
                authentication_request_extra_params=oidc.extra_params or None,
                next=elbv2.ListenerAction.fixed_response(
                    404, content_type="text/plain", message_body="No notebook here."
                ),
            ),
            open=False,
        )

        _parameter(
            self,
            stack.to_json_string(
                {
                    "enabled": True,
                    "base_url": f"https://{config.domain_name}",
                    "listener_arn": self.listener.listener_arn,
                    "load_balancer_arn": self.load_balancer.load_balancer_arn,
                    "security_group_id": self.security_group.security_group_id,
                    "vpc_id": vpc.vpc_id,
                    "owner_claim": config.owner_claim,
                    "client_secret_arn": oidc.client_secret_arn,
                    "oidc": {
                        "issuer": oidc.issuer,
                        "authorization_endpoint": oidc.authorization_endpoint,
                        "token_endpoint": oidc.token_endpoint,
                        "user_info_endpoint": oidc.user_info_endpoint,
                        "client_id": oidc.client_id,
                        "scope": oidc.scope,
                        "extra_params": oidc.extra_params,
                    },
                }
            ),
        )
        self._grant_routes(route_function, oidc.client_secret_arn)
        CfnOutput(
            self,
            "DnsName",
            description=(
                f"Point *.{config.domain_name} (each notebook's host) and {config.domain_name} "
                "here (CNAME, or alias records)"
            ),
            value=self.load_balancer.load_balancer_dns_name,
        )

    def _grant_routes(self, function: CatalogFunction, client_secret_arn: str) -> None:
        stack = Stack.of(self)
        region_account = f"{stack.region}:{stack.account}"
        elb = f"arn:{stack.partition}:elasticloadbalancing:{region_account}"
        target_groups = f"{elb}:targetgroup/nb-*/*"
        rules = f"{elb}:listener-rule/app/{self.load_balancer.load_balancer_name}/*"
        statements = [
            iam.PolicyStatement(
                sid="NotebookRouteLookups",
                actions=[
                    "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTargetHealth",
                    "elasticloadbalancing:DescribeTargetGroups",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="NotebookTargetGroups",
                actions=[
                    "elasticloadbalancing:CreateTargetGroup",
                    "elasticloadbalancing:DeleteTargetGroup",
                    "elasticloadbalancing:RegisterTargets",
                    "elasticloadbalancing:DeregisterTargets",
                    "elasticloadbalancing:AddTags",
                ],
                resources=[target_groups],
            ),
            iam.PolicyStatement(
                # ModifyRule: a route's host condition (v1 path routes are confined to the
                # gateway's host and moved to their own host when updated to v2).
                sid="NotebookRules",
                actions=[
                    "elasticloadbalancing:CreateRule",
                    "elasticloadbalancing:ModifyRule",
                    "elasticloadbalancing:DeleteRule",
                    "elasticloadbalancing:AddTags",
                ],
                resources=[self.listener.listener_arn, rules],
            ),
            iam.PolicyStatement(
                # Only groups of catalog products (they carry the product tag).
                sid="AdmitTheGatewayOnNotebooks",
                actions=["ec2:AuthorizeSecurityGroupIngress"],
                resources=[
                    f"arn:{stack.partition}:ec2:{region_account}:security-group/*",
                ],
                conditions={"Null": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"}},
            ),
            iam.PolicyStatement(
                sid="ReadTheOidcClientSecret",
                actions=["secretsmanager:GetSecretValue"],
                resources=[client_secret_arn],
            ),
        ]
        function.grant(
            statements,
            "Target groups are created per notebook (named nb-*), rules per notebook on this "
            "gateway's listener, and ingress is added only to groups with the catalog's "
            "product tag; Describe calls support no resource scoping.",
        )

"""Smoke-test checks every workstation product's standard outputs get; no CDK import."""

from products.definition import HTTPS_URL

STANDARD_OUTPUT_CHECKS = {
    "ConnectionURI": HTTPS_URL,
    "EC2ConsoleURI": HTTPS_URL,
    "LogsURI": HTTPS_URL,
    "Documentation": HTTPS_URL,
    "InstanceId": r"i-[0-9a-f]{8,17}",
    "PrivateIpAddress": r"(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}",
}

"""Product pages in docs/products are generated; a stale page fails the build."""

from products import docs


def test_product_docs_are_current() -> None:
    assert docs.main(["--check"]) == 0, "run `make docs` and commit docs/products"


def test_product_page_lists_every_parameter_and_output() -> None:
    page = docs.render("linux-docker")
    for name in ("InstanceType", "LinuxDistribution", "DiskSize", "IdleStopHours"):
        assert f"`{name}`" in page
    for output in ("ConnectionURI", "EC2ConsoleURI", "InstanceId", "PrivateIpAddress", "LogsURI"):
        assert f"`{output}`" in page
    assert "aws ssm start-session" in page

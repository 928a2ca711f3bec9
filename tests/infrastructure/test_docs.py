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


def test_pages_that_speak_of_catalog_credentials_link_to_signing_in() -> None:
    """Researchers find how to get the credentials a page asks for (docs/signing-in.md)."""
    import re
    from pathlib import Path

    root = Path(docs.__file__).resolve().parent.parent / "docs"
    assert (root / "signing-in.md").is_file()
    pages = sorted((root / "products").glob("*.md"))
    mentioning = [page for page in pages if "catalog credentials" in page.read_text()]
    assert mentioning
    for page in mentioning:
        text = page.read_text()
        assert re.search(r"\[[^\]]*catalog credentials\]\(\.\./signing-in\.md\)", text), page.name
    for image in re.findall(r"\]\((images/[^)]+)\)", (root / "signing-in.md").read_text()):
        assert (root / image).is_file(), image

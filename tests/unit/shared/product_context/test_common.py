"""What the product-context resource types share: values fit for tags and e-mail addresses."""

from catalog_constructs.shared.product_context.handler.product_context_handlers import common


def test_tag_values_are_restricted() -> None:
    assert common.tag_safe("jdoe+lab=1:a@b/c d-e_f.g") == "jdoe+lab=1:a@b/c d-e_f.g"
    assert common.tag_safe("doe,j;<x>") == "doe_j__x_"
    assert len(common.tag_safe("x" * 300)) == 256
    assert common.as_email("jdoe@example.org") == "jdoe@example.org"
    assert common.as_email("jdoe") == ""
    assert common.as_email("a@b@example.org") == ""
    assert common.as_email(f"{'x' * 250}@example.org") == ""

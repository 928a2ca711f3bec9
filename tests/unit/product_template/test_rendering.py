"""Rendering the script and Markdown files product templates and pages carry."""

from pathlib import Path

import pytest

from catalog_constructs.product_template.rendering import render_file


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "script.sh"
    path.write_text(text)
    return path


def test_placeholders_are_replaced_and_everything_else_kept(tmp_path: Path) -> None:
    path = _file(tmp_path, "mkdir -p @ROOT@/x '${Fn}' $shell ${!literal} a@b.org\n")
    assert (
        render_file(path, ROOT="/data") == "mkdir -p /data/x '${Fn}' $shell ${!literal} a@b.org\n"
    )


def test_a_placeholder_alone_on_its_line_takes_a_block_or_nothing(tmp_path: Path) -> None:
    path = _file(tmp_path, "first\n@BLOCK@\nlast\n")
    assert render_file(path, BLOCK="\n one\n  two\n\n") == "first\none\n  two\nlast\n"
    assert render_file(path, BLOCK="") == "first\nlast\n"


def test_notes_and_shellcheck_directives_are_not_rendered(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "# shellcheck shell=bash\n#: for readers only\n# kept\n  # shellcheck disable=SC2016\n"
        "echo '${X}'\n",
    )
    assert render_file(path) == "# kept\necho '${X}'\n"


def test_a_missing_or_unused_value_is_an_error(tmp_path: Path) -> None:
    path = _file(tmp_path, "echo @NAME@\n")
    with pytest.raises(ValueError, match="no value for placeholder @NAME@"):
        render_file(path)
    with pytest.raises(ValueError, match="no placeholder for OTHER"):
        render_file(path, NAME="x", OTHER="y")

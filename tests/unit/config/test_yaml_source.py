"""config.yaml_source: the strict YAML loader, reading files, merging base and stage."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config import (
    DuplicateKeyError,
    StrictYamlLoader,
    available_stages,
    deep_merge,
)
from tests.synth import EXAMPLE_CONFIG_DIR
from tests.unit.config.example_configs import (
    BASE,
    DEV,
    edit,
    load_error,
    write_config,
)


def test_available_stages_lists_stage_files_not_base() -> None:
    stages = available_stages(EXAMPLE_CONFIG_DIR)
    assert {"dev", "prod"} <= set(stages)
    assert "base" not in stages
    assert stages == sorted(stages)


def test_deep_merge_nested_override_keeps_siblings() -> None:
    base = {"catalog": {"provider_name": "RC", "support": {"email": "a@x.org", "url": "u"}}}
    override = {"catalog": {"support": {"email": "b@x.org"}}}

    merged = deep_merge(base, override)

    assert merged == {
        "catalog": {"provider_name": "RC", "support": {"email": "b@x.org", "url": "u"}}
    }
    assert base["catalog"]["support"]["email"] == "a@x.org"  # inputs untouched


def test_deep_merge_lists_and_scalars_replace() -> None:
    base = {"versions": ["v1", "v2"], "n": 1, "m": {"a": 1}, "s": "x"}
    override = {"versions": ["v3"], "n": 2, "m": "flat", "s": {"now": "a mapping"}}

    merged = deep_merge(base, override)

    assert merged == {"versions": ["v3"], "n": 2, "m": "flat", "s": {"now": "a mapping"}}


def test_deep_merge_result_does_not_share_lists_with_inputs() -> None:
    base = {"a": {"items": [1]}}
    merged = deep_merge(base, {})
    merged["a"]["items"].append(2)
    assert base == {"a": {"items": [1]}}


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    stage = edit(DEV, ("region: us-east-1", "region: [us-east-1"))
    error = load_error(write_config(tmp_path, stages={"dev": stage}))

    assert len(error.problems) == 1
    assert str(error).startswith("config/dev.yaml:")
    assert "invalid YAML" in str(error)


def test_invalid_yaml_in_base_and_stage_both_reported(tmp_path: Path) -> None:
    base = BASE + "oops: : :\n"
    stage = DEV + "\tbad: tab\n"
    error = load_error(write_config(tmp_path, base=base, stages={"dev": stage}))

    files = [problem.file for problem in error.problems]
    assert files == ["config/base.yaml", "config/dev.yaml"]
    assert all("invalid YAML" in problem.message for problem in error.problems)


@pytest.mark.parametrize(("text", "kind"), [("- a\n- b\n", "list"), ("just text\n", "string")])
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": text}))

    assert str(error) == (
        "config/dev.yaml:1: the top level must be a mapping of keys (like 'catalog:'), "
        f"not a {kind}"
    )


def test_duplicate_community_is_rejected(tmp_path: Path) -> None:
    # Without the strict loader PyYAML would keep the second 'bio' silently.
    stage = DEV + "  bio:\n    display_name: Shadow\n"
    error = load_error(write_config(tmp_path, stages={"dev": stage}))

    duplicate_line = len(DEV.splitlines()) + 1
    assert str(error) == (
        f"config/dev.yaml:{duplicate_line}: duplicate key 'communities.bio' "
        "(first defined at line 8); each key may appear once per mapping"
    )


def test_duplicate_keys_in_base_are_all_reported(tmp_path: Path) -> None:
    base = BASE + "catalog:\n  provider_name: Again\noperators: {}\n"
    error = load_error(write_config(tmp_path, base=base))

    assert [(p.file, p.line) for p in error.problems] == [
        ("config/base.yaml", 11),
        ("config/base.yaml", 13),
    ]
    assert "duplicate key 'catalog' (first defined at line 1)" in str(error)
    assert "duplicate key 'operators' (first defined at line 6)" in str(error)


def test_missing_base_file(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path)
    (config_dir / "base.yaml").unlink()

    error = load_error(config_dir)

    assert str(error).startswith("config/base.yaml: cannot read file")


def test_strict_loader_rejects_duplicate_nested_keys() -> None:
    text = "a:\n  b: 1\n  c: 2\n  b: 3\n"
    with pytest.raises(
        DuplicateKeyError, match=r"line 4: duplicate key 'a\.b' \(first defined at line 2\)"
    ):
        yaml.load(text, Loader=StrictYamlLoader)


def test_strict_loader_allows_merge_keys_to_be_overridden() -> None:
    text = "defaults: &d\n  x: 1\n  y: 2\nitem:\n  <<: *d\n  y: 3\n"
    data = yaml.load(text, Loader=StrictYamlLoader)
    assert data["item"] == {"x": 1, "y": 3}


def test_strict_loader_is_safe() -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.load("!!python/object/apply:os.system ['true']", Loader=StrictYamlLoader)

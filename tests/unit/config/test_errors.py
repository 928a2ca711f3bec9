"""config.errors: how a problem reads, and the helpers messages are built with."""

from __future__ import annotations

from config.errors import ConfigError, ConfigProblem, did_you_mean, show, show_short


def test_a_problem_reads_file_line_key_and_message() -> None:
    assert str(ConfigProblem("config/dev.yaml", "bad", key="stage.region", line=3)) == (
        "config/dev.yaml:3: stage.region: bad"
    )
    assert str(ConfigProblem("config/dev.yaml", "bad")) == "config/dev.yaml: bad"
    assert str(ConfigProblem("", "unknown stage 'qa'")) == "unknown stage 'qa'"


def test_config_error_lists_one_problem_per_line() -> None:
    problems = [
        ConfigProblem("config/base.yaml", "x", line=1),
        ConfigProblem("config/dev.yaml", "y"),
    ]
    error = ConfigError(problems)
    assert error.problems == tuple(problems)
    assert str(error) == "config/base.yaml:1: x\nconfig/dev.yaml: y"


def test_values_are_shown_as_yaml_authors_write_them() -> None:
    assert [show(v) for v in ("a", True, False, None, 3)] == ["'a'", "true", "false", "null", "3"]
    assert show_short("x" * 100) == repr("x" * 100)[:77] + "..."
    assert show_short("x" * 78) == repr("x" * 78)


def test_did_you_mean_offers_a_close_match_only() -> None:
    assert did_you_mean("operator", ["operators", "catalog"]) == " (did you mean 'operators'?)"
    assert did_you_mean("zzz", ["operators", "catalog"]) == ""

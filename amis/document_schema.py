"""Checks a component document against the shape Image Builder accepts (AWSTOE schema 1.0).

The AWS API validates documents only when a component is created, that is at deploy time; this
check runs in `make test` so a broken document never reaches a deploy. It covers the structure
(phases, steps, action modules and their inputs, parameters) and the catalog's own rules
(build plus a validate or test phase; no download from a moving target).
"""

import re
from typing import Any

PHASES = ("build", "validate", "test")
# Action modules of AWSTOE the catalog's documents may use, with each one's required inputs.
ACTIONS: dict[str, tuple[str, ...]] = {
    "ExecuteBash": ("commands",),
    "ExecutePowerShell": ("commands",),
    "ExecuteBinary": ("path",),
    "CreateFile": (),
    "CreateFolder": (),
    "DeleteFile": (),
    "DeleteFolder": (),
    "S3Download": (),
    "WebDownload": (),
    "Reboot": (),
    "UpdateOS": (),
    "SetRegistry": (),
    "InstallMSI": (),
}
STEP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,127}$")
PLACEHOLDER = re.compile(r"{{\s*([\w.:]+)\s*}}")
MOVING_TARGETS = re.compile(r"/(latest|master|main|nightly)(/|\b)|:latest\b", re.IGNORECASE)


def document_errors(document: Any) -> list[str]:
    """Every problem of ``document`` (a parsed YAML component), empty when it is valid."""
    if not isinstance(document, dict):
        return ["the document must be a mapping"]
    errors: list[str] = []
    for key in ("name", "schemaVersion", "phases"):
        if key not in document:
            errors.append(f"missing top-level key {key!r}")
    unknown = set(document) - {
        "name",
        "description",
        "schemaVersion",
        "parameters",
        "phases",
        "constants",
    }
    errors += [f"unknown top-level key {key!r}" for key in sorted(unknown)]
    if document.get("schemaVersion") not in (1.0, "1.0"):
        errors.append(f"schemaVersion must be 1.0, not {document.get('schemaVersion')!r}")

    parameters = _parameters(document.get("parameters", []), errors)
    phases = document.get("phases")
    if not isinstance(phases, list) or not phases:
        return [*errors, "phases must be a non-empty list"]
    names = [phase.get("name") if isinstance(phase, dict) else None for phase in phases]
    for name in names:
        if name not in PHASES:
            errors.append(f"unknown phase {name!r}; allowed: {', '.join(PHASES)}")
    if len(set(names)) != len(names):
        errors.append("a phase appears twice")
    if "build" not in names:
        errors.append("no build phase")
    if not {"validate", "test"} & set(names):
        errors.append("no validate or test phase: nothing checks what the build installed")
    for phase in phases:
        if isinstance(phase, dict):
            errors += _steps(str(phase.get("name")), phase.get("steps"), parameters)
    return errors


def _parameters(declared: Any, errors: list[str]) -> set[str]:
    names: set[str] = set()
    if not isinstance(declared, list):
        errors.append("parameters must be a list")
        return names
    for entry in declared:
        if not isinstance(entry, dict) or len(entry) != 1:
            errors.append(f"each parameter is a one-key mapping, not {entry!r}")
            continue
        ((name, spec),) = entry.items()
        if not isinstance(spec, dict) or spec.get("type") != "string":
            errors.append(f"parameter {name!r} needs type: string")
        elif "default" not in spec:
            errors.append(f"parameter {name!r} needs a default (pipelines pass no values)")
        names.add(name)
    return names


def _steps(phase: str, steps: Any, parameters: set[str]) -> list[str]:
    if not isinstance(steps, list) or not steps:
        return [f"phase {phase!r}: steps must be a non-empty list"]
    errors: list[str] = []
    seen: set[str] = set()
    for step in steps:
        if not isinstance(step, dict):
            errors.append(f"phase {phase!r}: a step must be a mapping")
            continue
        name = step.get("name")
        where = f"phase {phase!r} step {name!r}"
        if not isinstance(name, str) or not STEP_NAME.fullmatch(name):
            errors.append(f"{where}: step names are letters and digits, starting with a letter")
        elif name in seen:
            errors.append(f"{where}: duplicate step name")
        else:
            seen.add(name)
        action = step.get("action")
        if action not in ACTIONS:
            errors.append(f"{where}: unknown action {action!r}; allowed: {', '.join(ACTIONS)}")
            continue
        inputs = step.get("inputs")
        if not isinstance(inputs, (dict, list)):
            errors.append(f"{where}: inputs missing")
            continue
        for required in ACTIONS[action]:
            if not isinstance(inputs, dict) or required not in inputs:
                errors.append(f"{where}: {action} needs input {required!r}")
        commands = inputs.get("commands") if isinstance(inputs, dict) else None
        if commands is not None and (
            not isinstance(commands, list) or not all(isinstance(c, str) for c in commands)
        ):
            errors.append(f"{where}: commands must be a list of strings")
        text = repr(inputs)
        for placeholder in PLACEHOLDER.findall(text):
            if placeholder not in parameters and not placeholder.startswith("imagebuilder:"):
                errors.append(f"{where}: {{{{ {placeholder} }}}} is not a declared parameter")
        if MOVING_TARGETS.search(text):
            errors.append(f"{where}: downloads from a moving target (latest/master/main)")
    return errors

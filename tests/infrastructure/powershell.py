"""Reading the PowerShell that Windows workstations run, where no PowerShell runs.

Scripts are parsed with tree-sitter's PowerShell grammar (a syntax check and a tree to assert
on), and ``Subset`` evaluates the few functions written in a deliberately small subset of the
language (variables, member access, ``[long]`` casts, ``-not -and -or -eq -ne -gt -lt``,
division, ``if`` and ``return``), so that their decisions are tested case by case. Anything
outside the subset raises ``Unsupported`` rather than being guessed at. Not a test module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

_PARSER = Parser(Language(tree_sitter_powershell.language()))
# A cmdlet's name: an approved verb, a hyphen, a noun. Native programs (aws, robocopy.exe) are not.
CMDLET = re.compile(
    r"(Add|Export|ForEach|Get|Import|Invoke|Join|Move|New|Out|Read|Register|Remove|Select|Set"
    r"|Split|Start|Test|Where|Write)-[A-Z][A-Za-z0-9]*"
)
# Nodes that only wrap one expression in the grammar's precedence chain.
_PASS_THROUGH = {
    "pipeline",
    "pipeline_chain",
    "logical_expression",
    "bitwise_expression",
    "comparison_expression",
    "additive_expression",
    "multiplicative_expression",
    "format_expression",
    "range_expression",
    "array_literal_expression",
    "unary_expression",
    "expression_with_unary_operator",
}


class Unsupported(Exception):
    """The code uses more of PowerShell than ``Subset`` evaluates."""


def parse(text: str) -> Node:
    return _PARSER.parse(text.encode()).root_node


def nodes(node: Node, node_type: str) -> Iterator[Node]:
    if node.type == node_type:
        yield node
    for child in node.children:
        yield from nodes(child, node_type)


def text(node: Node) -> str:
    return (node.text or b"").decode()


def syntax_errors(root: Node) -> list[str]:
    return [f"line {n.start_point[0] + 1}: {text(n)[:60]!r}" for n in nodes(root, "ERROR")] + [
        f"line {n.start_point[0] + 1}: missing {n.type}" for n in _missing(root)
    ]


def _missing(node: Node) -> Iterator[Node]:
    if node.is_missing:
        yield node
    for child in node.children:
        yield from _missing(child)


def functions(root: Node) -> dict[str, Node]:
    found = {}
    for function in nodes(root, "function_statement"):
        (name,) = [child for child in function.children if child.type == "function_name"]
        found[text(name)] = function
    return found


def command_names(root: Node) -> set[str]:
    """The names of every command the script invokes, also through ``&`` (then as written:
    a name, or a quoted path)."""
    return {
        text(name)
        for command in nodes(root, "command")
        for name in command.children
        if name.type in ("command_name", "command_name_expr")
    }


def installed_files(user_data: str) -> dict[str, str]:
    """``{path: content}`` of the files user data writes with ``Set-Content -Path '<path>'
    ... -Value @'`` and a here-string."""
    pattern = re.compile(r"^Set-Content -Path '([^']+)'[^\n]*-Value @'\n(.*?)\n'@$", re.M | re.S)
    return {match[1]: match[2] for match in pattern.finditer(user_data)}


def _truthy(value: Any) -> bool:
    if isinstance(value, Mapping):
        return True  # any object is true in PowerShell
    return bool(value)


def _equal(left: Any, right: Any) -> bool:
    # PowerShell's -eq/-ne compare strings without regard to case.
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    if isinstance(left, int) and isinstance(right, str):
        return str(left) == right
    return bool(left == right)


class Subset:
    """Evaluates a function (or an expression) of the supported subset with given variables."""

    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.variables = {name.lower(): value for name, value in variables.items()}

    def call(self, function: Node, *arguments: Any) -> Any:
        (parameters,) = list(nodes(function, "parameter_list"))
        names = [
            text(v)[1:]
            for p in nodes(parameters, "script_parameter")
            for v in p.children
            if v.type == "variable"
        ]
        if len(names) != len(arguments):
            raise Unsupported(f"{len(names)} parameters, {len(arguments)} arguments")
        self.variables.update(
            {name.lower(): value for name, value in zip(names, arguments, strict=True)}
        )
        (body,) = list(nodes(function, "script_block_body"))
        return self._block(body.children[0])

    def _block(self, statements: Node) -> Any:
        result: Any = None
        for statement in statements.children:
            done, value = self._statement(statement)
            if done:
                return value
            result = value
        return result

    def _statement(self, node: Node) -> tuple[bool, Any]:
        if node.type == "if_statement":
            if len(node.children) != 5:
                raise Unsupported(f"if with elseif/else: {text(node)[:60]}")
            if _truthy(self.evaluate(node.children[2])):
                (statements,) = [c for c in node.children[4].children if c.type == "statement_list"]
                done, value = self._run(statements)
                return done, value
            return False, None
        if node.type == "flow_control_statement" and text(node.children[0]) == "return":
            return True, self.evaluate(node.children[1])
        if node.type == "pipeline" and node.children[0].type == "assignment_expression":
            assignment = node.children[0]
            name = text(assignment.children[0]).lstrip("$").lower()
            self.variables[name] = self.evaluate(assignment.children[2])
            return False, None
        if node.type == "pipeline":
            # The function's last output, as PowerShell returns it.
            return True, self.evaluate(node)
        raise Unsupported(f"statement {node.type}: {text(node)[:60]}")

    def _run(self, statements: Node) -> tuple[bool, Any]:
        for statement in statements.children:
            done, value = self._statement(statement)
            if done:
                return True, value
        return False, None

    def evaluate(self, node: Node) -> Any:
        children = [c for c in node.children if c.type != "comment"]
        if node.type in _PASS_THROUGH and len(children) == 1:
            return self.evaluate(children[0])
        if node.type == "variable":
            return self.variables.get(text(node)[1:].lower())
        if node.type == "string_literal" and text(node).startswith("'"):
            return text(node)[1:-1]
        if node.type in ("integer_literal", "decimal_integer_literal"):
            return int(text(node))
        if node.type == "parenthesized_expression":
            return self.evaluate(children[1])
        if node.type == "member_access":
            target = self.evaluate(children[0])
            member = text(children[2])
            return target.get(member) if isinstance(target, Mapping) else None
        if node.type == "expression_with_unary_operator" and text(children[0]).lower() == "-not":
            return not _truthy(self.evaluate(children[1]))
        if node.type == "cast_expression" and text(children[0]).lower() == "[long]":
            value = self.evaluate(children[1])
            return None if value is None else int(value)
        if node.type == "expression_with_unary_operator" and children[0].type == "cast_expression":
            return self.evaluate(children[0])
        if len(children) == 3:
            return self._binary(children[0], text(children[1]).lower(), children[2])
        raise Unsupported(f"{node.type}: {text(node)[:60]}")

    def _binary(self, left_node: Node, operator: str, right_node: Node) -> Any:
        left = self.evaluate(left_node)
        if operator == "-and":
            return _truthy(left) and _truthy(self.evaluate(right_node))
        if operator == "-or":
            return _truthy(left) or _truthy(self.evaluate(right_node))
        right = self.evaluate(right_node)
        if operator == "-eq":
            return _equal(left, right)
        if operator == "-ne":
            return not _equal(left, right)
        if operator == "-gt":
            return left > right
        if operator == "-lt":
            return left < right
        if operator == "/":
            return left / right
        raise Unsupported(f"operator {operator}")

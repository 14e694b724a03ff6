"""Which context variables a template uses, as dotted paths, and whether the catalogue allows them.

``{% for inv in invoices %}{{ inv.amount|money }}{% endfor %}`` uses ``invoices`` and
``invoices[].amount``: loop variables and ``{% set %}`` aliases are followed back to the context
path they stand for, in the same notation the catalogue uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from jinja2 import nodes

_DICT_METHODS = frozenset({"items", "values", "keys", "get"})


@dataclass
class Usage:
    paths: set[str] = field(default_factory=set)
    unsafe: set[str] = field(default_factory=set)  # attribute names starting with "_"


class _Walker:
    def __init__(self, globals_: Iterable[str], usage: Usage) -> None:
        self.globals = frozenset(globals_) | {"loop"}
        self.usage = usage

    def path(self, node: nodes.Node, scope: dict[str, str | None]) -> str | None:
        """The context path an expression denotes (None: not context data), recording it."""
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name in self.globals:
                return None
            return node.name
        if isinstance(node, nodes.Getattr):
            return self._member(node.node, node.attr, scope)
        if isinstance(node, nodes.Getitem):
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                return self._member(node.node, arg.value, scope)
            base = self.path(node.node, scope)
            if not (isinstance(arg, nodes.Const) and isinstance(arg.value, int)):
                self.expr(arg, scope)
            return None if base is None else base + "[]"
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr) \
                and node.node.attr in _DICT_METHODS:
            base = self.path(node.node.node, scope)
            for child in node.args + [kw.value for kw in node.kwargs]:
                self.expr(child, scope)
            if base is not None and node.node.attr == "get" and node.args \
                    and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str):
                return f"{base}.{node.args[0].value}"
            if base is not None:
                self.usage.paths.add(base)
            return None
        self.generic(node, scope)
        return None

    def _member(self, inner: nodes.Node, attr: str, scope: dict[str, str | None]) -> str | None:
        if attr.startswith("_"):
            self.usage.unsafe.add(attr)
        base = self.path(inner, scope)
        return None if base is None else f"{base}.{attr}"

    def expr(self, node: nodes.Node, scope: dict[str, str | None]) -> str | None:
        p = self.path(node, scope)
        if p is not None:
            self.usage.paths.add(p)
        return p

    def generic(self, node: nodes.Node, scope: dict[str, str | None]) -> None:
        for child in node.iter_child_nodes():
            self.visit(child, scope)

    def visit(self, node: nodes.Node, scope: dict[str, str | None]) -> None:
        if isinstance(node, nodes.For):
            source = self.expr(node.iter, scope)
            inner = dict(scope)
            self._bind(node.target, None if source is None else source + "[]", inner)
            if node.test is not None:
                self.visit(node.test, inner)
            for child in node.body:
                self.visit(child, inner)
            for child in node.else_:
                self.visit(child, scope)
        elif isinstance(node, nodes.Assign):
            self._bind(node.target, self.expr(node.node, scope), scope)
        elif isinstance(node, nodes.AssignBlock):
            for child in node.body:
                self.visit(child, scope)
            self._bind(node.target, None, scope)
        elif isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope)
            for arg in node.args:
                inner[arg.name] = None
            for default in node.defaults:
                self.visit(default, scope)
            if isinstance(node, nodes.CallBlock):
                self.visit(node.call, scope)
            for child in node.body:
                self.visit(child, inner)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values, strict=True):
                self._bind(target, self.expr(value, scope), inner)
            for child in node.body:
                self.visit(child, inner)
        elif isinstance(node, nodes.Expr):
            self.expr(node, scope)
        else:
            self.generic(node, scope)

    def _bind(self, target: nodes.Node, path: str | None, scope: dict[str, str | None]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = path
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self._bind(item, None, scope)


def used_paths(templates: Iterable[nodes.Template], globals_: Iterable[str]) -> Usage:
    usage = Usage()
    walker = _Walker(globals_, usage)
    for ast in templates:
        walker.visit(ast, {})
    return usage


def allowed_paths(variables: Iterable[str]) -> set[str]:
    """Declared names and every prefix of them (``invoices[].amount`` allows ``invoices``)."""
    allowed: set[str] = set()
    for name in variables:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            allowed.add(prefix)
            if prefix.endswith("[]"):
                allowed.add(prefix[:-2])
    return allowed


def unknown_paths(used: Iterable[str], variables: Mapping[str, str]) -> list[str]:
    allowed = allowed_paths(variables)
    return sorted(p for p in set(used) if p not in allowed)

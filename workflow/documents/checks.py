"""Every check a template must pass before it is accepted, in one function.

It runs in the limited worker for uploads and in-process for the shipped templates, so both are
held to the same rules: zip limits, XML without entities, Jinja syntax, no ``_`` attributes,
every variable in the catalogue for the kind, and a test render with the kind's sample data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.documents.render import CompiledTemplate, TemplateCache, check_rendered
from workflow.documents.variables import unknown_paths, used_paths
from workflow.errors import FieldProblem, ValidationFailed


def inspect_template(cache: TemplateCache, data: bytes, variables: Mapping[str, str],
                     sample: Mapping[str, Any]) -> tuple[CompiledTemplate, bytes]:
    compiled = cache.get(data)
    env_globals = cache.environment.globals
    usage = used_paths([p.ast for p in compiled.parts.values()], env_globals)
    if usage.unsafe:
        names = ", ".join(sorted(usage.unsafe))
        raise ValidationFailed([FieldProblem(
            "file", "unsafe_template", f"模板访问了不允许的内部属性：{names}（沙箱禁止以 _ 开头的属性）",
            f"the template accesses forbidden internal attributes: {names} (names starting with _ "
            "are refused by the sandbox)")])
    unknown = unknown_paths(usage.paths, variables)
    if unknown:
        allowed = sorted(variables)
        raise ValidationFailed(
            [FieldProblem("file", "unknown_variable",
                          f"模板使用了目录中没有的变量：{'、'.join(unknown)}。允许的变量：{', '.join(allowed)}",
                          f"the template uses variables not in the catalogue: {', '.join(unknown)}. "
                          f"Allowed: {', '.join(allowed)}")],
            extra={"unknown": unknown, "allowed": allowed},
        )
    docx = compiled.render(sample)
    check_rendered(docx, compiled)
    return compiled, docx


"""Tenant files: one TOML file per tenant in `tenants/`, read and written."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterator
from pathlib import Path

import tomli_w

from adapters.tenant_document import config_to_data, parse_tenant_document
from domain.errors import FieldProblem, InvalidInput
from domain.tenancy.model import TenantConfig
from domain.tenancy.onboarding import SourcedConfig

HEADER = (
    "# Stadtkern tenant file: the configuration of one city platform.\n"
    "# Apply with `stadtkern tenants apply`; the schema is documented in README.md.\n"
    "# Secrets never go here: payment settings name environment variables.\n\n"
)
PLACEHOLDER_NOTE = "# placeholder: replace before going live"


def tenant_file_paths(paths: list[Path]) -> list[Path]:
    """The *.toml files named, or found directly inside the directories named, sorted."""
    found: list[Path] = []
    for path in paths:
        found += sorted(path.glob("*.toml")) if path.is_dir() else [path]
    return found


def read_tenant_files(paths: list[Path]) -> tuple[list[SourcedConfig], list[FieldProblem]]:
    """Every config that reads cleanly, and every problem of those that do not."""
    configs: list[SourcedConfig] = []
    problems: list[FieldProblem] = []
    for path in tenant_file_paths(paths):
        source = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(FieldProblem("(file)", "no such file", source))
            continue
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(FieldProblem("(file)", f"not valid TOML: {exc}", source))
            continue
        try:
            configs.append(SourcedConfig(source, parse_tenant_document(data, source=source)))
        except InvalidInput as exc:
            problems += exc.problems
    return configs, problems


def render_tenant_toml(config: TenantConfig, *, placeholders: Collection[str] = ()) -> str:
    """The config as a tenant file; `placeholders` names dotted fields (such as
    `branding.legal.imprint_url`) whose values were made up, marked in the file."""
    data = config_to_data(config)
    if not data.get("categories"):
        # `categories = []` would make the `[[categories]]` blocks people append invalid TOML.
        data.pop("categories", None)
    lines = tomli_w.dumps(data).splitlines(keepends=True)
    return HEADER + "".join(_marked(lines, frozenset(placeholders)))


def _marked(lines: list[str], placeholders: frozenset[str]) -> Iterator[str]:
    table = ""
    for line in lines:
        content = line.rstrip("\n")
        header = _TABLE_HEADER.fullmatch(content)
        if header:
            table = header[1]
        elif " = " in content:
            key = content.split(" = ", 1)[0]
            if (f"{table}.{key}" if table else key) in placeholders:
                line = f"{content}  {PLACEHOLDER_NOTE}\n"
        yield line


_TABLE_HEADER = re.compile(r"\[([A-Za-z0-9_.-]+)\]")

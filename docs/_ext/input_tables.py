"""The ``input-columns`` directive: a file's columns as a table, read from its schema.

``.. input-columns:: customers`` renders every :class:`planner.inputs.schema.Column` of
``planner.inputs.schema.SCHEMAS["customers"]`` with its default, allowed values, unit and
meaning, so a column added to a schema appears in the manual without editing it.
``provisioning`` names the optional provisioning columns of customers.csv and
``allocations`` the allocation record.
"""

from __future__ import annotations

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from planner.inputs.schema import SCHEMAS, Column, FileSchema
from planner.provision.allocate import RECORD
from planner.provision.settings import PROVISIONING_COLUMNS

#: An empty cell: a literal hyphen, escaped so reStructuredText does not read a list.
EMPTY = "\\-"
_KINDS = {"str": "text", "int": "integer", "float": "number", "bool": "true/false",
          "enum": "one of", "pattern": "text"}


def schema_named(name: str) -> FileSchema:
    """The schema the directive's argument names."""
    if name == "provisioning":
        return PROVISIONING_COLUMNS
    if name == "allocations":
        return RECORD
    return SCHEMAS[name]


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def allowed_values(column: Column) -> str:
    """What a cell may hold, in words (reStructuredText)."""
    if column.kind == "enum":
        return "one of " + ", ".join(f"``{c}``" for c in column.choices or ())
    text = _KINDS[column.kind]
    if column.kind == "pattern":
        return column.describe or f"text matching ``{column.pattern}``"
    bounds = []
    if column.minimum is not None:
        bounds.append(("> " if column.exclusive_minimum else ">= ") + _number(column.minimum))
    if column.maximum is not None:
        bounds.append("<= " + _number(column.maximum))
    if bounds:
        text += " " + " and ".join(bounds)
    if column.kind == "bool":
        text += " (also yes/no, 1/0, any case)"
    return text


def default_text(column: Column) -> str:
    """The default cell of the table: required, a value, or empty."""
    if column.required:
        return "required"
    if column.default is None or column.default == "":
        return "empty"
    if isinstance(column.default, bool):
        return f"``{str(column.default).lower()}``"
    return f"``{_number(column.default)}``"


def table_lines(schema: FileSchema) -> list[str]:
    """A reStructuredText list-table of ``schema``'s columns."""
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 18 10 22 12 38", "",
             "   * - column", "     - default", "     - values", "     - unit",
             "     - meaning"]
    for column in schema.columns:
        key = " (key)" if column.name in schema.key else ""
        lines += [f"   * - ``{column.name}``{key}", f"     - {default_text(column)}",
                  f"     - {allowed_values(column)}", f"     - {column.unit or EMPTY}",
                  f"     - {column.description or EMPTY}"]
    return lines


class InputColumns(SphinxDirective):
    """Render the columns of one input file from its schema."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        """Parse the generated table in place of the directive."""
        try:
            schema = schema_named(self.arguments[0])
        except KeyError:
            raise self.error(f"no input schema called {self.arguments[0]!r}") from None
        container = nodes.container()
        self.state.nested_parse(StringList(table_lines(schema), source="planner.inputs.schema"),
                                self.content_offset, container)
        return container.children


def setup(app: Sphinx) -> dict[str, bool]:
    """Register the directive."""
    app.add_directive("input-columns", InputColumns)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

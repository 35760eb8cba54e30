"""The per-endpoint table: stable row keys (the request name), cells updated in place, sortable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from ..views.endpoints import COLUMNS, COMPACT_COLUMNS, Column, EndpointRow, sort_order

__all__ = ["EndpointTable"]

_NUMERIC = {column.key for column in COLUMNS if column.numeric}
_SORTABLE = [column.key for column in COLUMNS if column.key != "mark"]
_SORTABLE_COMPACT = [column.key for column in COMPACT_COLUMNS if column.key != "mark"]


def _cell(column: str, value: str, breaching: bool) -> Text:
    """Cells are `Text`, never `str`: DataTable parses strings as markup and names may hold `[`."""
    if column == "mark":
        return Text(value, style="bold red")
    style = "red" if breaching and column in ("name", "errors", "p95", "p99") else ""
    return Text(value, style=style, justify="right" if column in _NUMERIC else "left", no_wrap=True)


class EndpointTable(DataTable[Text]):
    """One row per endpoint. `show` adds rows for new endpoints and updates changed cells only."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "cycle_sort", "Sort", tooltip="Sort by the next column"),
        Binding("O", "reverse_sort", "Reverse", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._cells: dict[str, dict[str, str]] = {}
        self._rows: dict[str, EndpointRow] = {}
        self._order: list[str] = []
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.compact = False
        """Narrow terminals: the status-class columns go, the latencies stay."""
        self._columns: tuple[Column, ...] = COLUMNS

    def on_mount(self) -> None:
        self._build_columns()

    def _label(self, column: Column) -> Text:
        """The column's header; the sort column carries ▲ (ascending) or ▼ (descending)."""
        arrow = ("▼" if self.sort_reverse else "▲") if column.key == self.sort_column else ""
        return Text(column.label + arrow, justify="right" if column.numeric else "left")

    def _build_columns(self) -> None:
        """(Re)build the columns and every known row: on a change of width class or of sort column."""
        self.clear(columns=True)
        for column in self._columns:
            self.add_column(self._label(column), key=column.key, width=column.width)
        self._cells.clear()
        self._order = []
        rows = list(self._rows.values())
        self._rows.clear()
        if rows:
            self.show(rows)

    def set_compact(self, compact: bool) -> None:
        if compact == self.compact:
            return
        self.compact = compact
        self._columns = COMPACT_COLUMNS if compact else COLUMNS
        if self.is_mounted:
            self._build_columns()

    def show(self, rows: Sequence[EndpointRow]) -> None:
        """Bring the table in line with `rows`; the caller wraps this in `app.batch_update()`."""
        for row in rows:
            cells = row.cells()
            known = self._cells.get(row.name)
            if known is None:
                self.add_row(
                    *(_cell(c.key, cells[c.key], row.breaching) for c in self._columns), key=row.name
                )
            else:
                was_breaching = self._rows[row.name].breaching
                for column in self._columns:
                    value = cells[column.key]
                    if known[column.key] != value or was_breaching != row.breaching:
                        self.update_cell(row.name, column.key, _cell(column.key, value, row.breaching))
            self._cells[row.name] = cells
            self._rows[row.name] = row
        self._apply_order()

    def _apply_order(self) -> None:
        order = list(sort_order(self._rows.values(), self.sort_column, reverse=self.sort_reverse))
        if order == self._order:
            return
        self._order = order
        rank = {name: index for index, name in enumerate(order)}
        self.sort("name", key=lambda cell: rank.get(cell.plain, len(rank)))

    def sort_by(self, column: str | None, *, reverse: bool = False) -> None:
        changed = (column, reverse) != (self.sort_column, self.sort_reverse)
        self.sort_column = column
        self.sort_reverse = reverse
        if changed and self.is_mounted:
            self._build_columns()
        self._apply_order()

    def action_cycle_sort(self) -> None:
        sortable = _SORTABLE_COMPACT if self.compact else _SORTABLE
        if self.sort_column not in sortable:
            self.sort_by(sortable[0], reverse=self.sort_reverse)
            return
        index = sortable.index(self.sort_column) + 1
        self.sort_by(sortable[index] if index < len(sortable) else None, reverse=self.sort_reverse)

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort_column or "name", reverse=not self.sort_reverse)

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        column = str(event.column_key.value)
        if column == "mark":
            return
        reverse = not self.sort_reverse if column == self.sort_column else column != "name"
        self.sort_by(column, reverse=reverse)

"""The per-endpoint table: stable row keys (the request name), cells updated in place, sortable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from ..views.endpoints import COLUMNS, EndpointRow, sort_order

__all__ = ["EndpointTable"]

_NUMERIC = {column.key for column in COLUMNS if column.numeric}
_SORTABLE = [column.key for column in COLUMNS if column.key != "mark"]


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

    def on_mount(self) -> None:
        for column in COLUMNS:
            label = Text(column.label, justify="right" if column.numeric else "left")
            self.add_column(label, key=column.key, width=column.width)

    def show(self, rows: Sequence[EndpointRow]) -> None:
        """Bring the table in line with `rows`; the caller wraps this in `app.batch_update()`."""
        for row in rows:
            cells = row.cells()
            known = self._cells.get(row.name)
            if known is None:
                self.add_row(*(_cell(c.key, cells[c.key], row.breaching) for c in COLUMNS), key=row.name)
            else:
                was_breaching = self._rows[row.name].breaching
                for column in COLUMNS:
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
        self.sort_column = column
        self.sort_reverse = reverse
        self._apply_order()

    def action_cycle_sort(self) -> None:
        if self.sort_column is None:
            self.sort_by(_SORTABLE[0])
            return
        index = _SORTABLE.index(self.sort_column) + 1
        self.sort_by(_SORTABLE[index] if index < len(_SORTABLE) else None, reverse=self.sort_reverse)

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

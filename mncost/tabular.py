"""What the Python API's results share (Report, SweepResult, Diff): rows as dicts, the JSON
document as a dict, a pandas DataFrame, and display in notebooks.

Each result says how to build its JSON document (`to_dict`, the one `--format json` writes),
which of its parts are the rows, and its Markdown; the renderers are imported on first use, and
pandas only by `to_pandas` (the optional `pandas` extra)."""

from __future__ import annotations

from typing import Any


class Tabular:
    """Mixed into a record: `rows()`, `to_dict()`, `to_pandas()`, `_repr_markdown_`, `_repr_html_`."""

    __slots__ = ()
    _ROWS = "layers"  # the key of the document's rows

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - each result defines it
        raise NotImplementedError

    def rows(self) -> list[dict[str, Any]]:
        """One dict per row (a layer, a sweep point, a changed layer), keyed as in the JSON document
        (the keys declared in mncost.columns)."""
        return list(self.to_dict()[self._ROWS])

    def to_pandas(self) -> Any:
        """The rows as a pandas DataFrame (`pip install 'mncost[pandas]'`)."""
        try:
            import pandas
        except ImportError:
            raise ImportError(f"{type(self).__name__}.to_pandas() needs pandas: pip install 'mncost[pandas]' "
                              "(or pip install pandas)") from None
        return pandas.DataFrame(self.rows())

    def _markdown(self) -> str:  # pragma: no cover - each result defines it
        raise NotImplementedError

    def _repr_markdown_(self) -> str:
        return self._markdown()

    def _repr_html_(self) -> str:
        """The rows as an HTML table (notebooks that prefer HTML to Markdown)."""
        import html

        rows = self.rows()
        keys = list(rows[0]) if rows else []
        head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(row[k]))}</td>" for k in keys) + "</tr>"
                       for row in rows)
        title = html.escape(self._title())
        return f"<p><b>{title}</b></p><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def _title(self) -> str:  # pragma: no cover - each result defines it
        raise NotImplementedError


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "x".join(map(str, value))
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)

"""JSON Lines (`--format jsonl`): one JSON object per sweep point, streamed as it is computed.

Each line has the same keys as a CSV row, in the same order (`row`, the sheet's columns, then
the config and every convention), with exact integers and full-precision floats, so a line is
self-describing after it is filtered or concatenated (`grep`, `jq -c`, `cat a.jsonl b.jsonl`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from .sheet import Sheet


def jsonl_lines(sheet: Sheet, rows: Iterable[Any]) -> Iterator[str]:
    """One line of JSON (ending in a newline) per item of `rows`, read by the sheet's columns."""
    context = dict(sheet.context)
    for item in rows:
        record: dict[str, Any] = {"row": sheet.row_label}
        record.update((c.key, c.get(item)) for c in sheet.columns)
        record.update(context)
        yield json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n"

"""docs/python-api.md runs as a notebook: its ```python blocks execute in order in one namespace,
and what each prints is the ```text block after it. The figures it shows are checked against the
published ones below (sources quoted)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).parent.parent / "docs" / "python-api.md"


def cells() -> list[tuple[str, str]]:
    """(code, printed) pairs: each python block and the text block right after it."""
    text = PAGE.read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```\s*```text\n(.*?)```", text, flags=re.S)


def test_every_python_block_shows_its_output() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert len(cells()) == text.count("```python") >= 6


def test_the_page_runs_as_a_notebook() -> None:
    pytest.importorskip("pandas")  # one cell uses the optional extra
    namespace: dict[str, object] = {}
    printed = []
    for code, expected in cells():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(PAGE), "exec"), namespace)  # noqa: S102 - the docs' own examples
        assert out.getvalue() == expected, code
        printed.append(out.getvalue())
    # V1 paper (arXiv:1704.04861) Table 7: 0.50 MobileNet-160, 76 million mult-adds, 1.32 million parameters
    macs, params = re.findall(r"([\d,]+) MACs, ([\d,]+) params", printed[0])[0]
    assert int(macs.replace(",", "")) // 10**6 == 76  # 76.52 M: the paper truncates
    assert round(int(params.replace(",", "")) / 1e6, 2) == 1.32
    # torchvision 0.29.2 mobilenet_v2(): sum(p.numel() for p in model.parameters()) = 3,504,872
    assert printed[1].splitlines()[0] == "3504872"
    # V1 paper Table 6 (224): 1.0 569M, 0.75 325M, 0.5 149M mult-adds
    at_224 = [line.split()[2] for line in printed[4].splitlines() if line.split()[1] == "224"]
    assert at_224 == ["569M", "325M", "149M"]


def test_to_pandas_without_pandas_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import mncost

    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'mncost\[pandas\]'"):
        mncost.evaluate("v1").to_pandas()

"""The figures of a run: one table on the terminal, the same as JSON."""

from __future__ import annotations

import json
import math
import operator
import os
import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_OPERATORS: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Target:
    """`on` ("ratio" or "value") must be `op` ("<=" or ">=") `limit`."""

    on: str
    op: str
    limit: float

    def met(self, value: float, ratio: float | None) -> bool | None:
        measured = ratio if self.on == "ratio" else value
        if measured is None or math.isnan(measured):
            return None
        return _OPERATORS[self.op](measured, self.limit)

    def __str__(self) -> str:
        return f"{'ratio' if self.on == 'ratio' else 'value'} {self.op} {self.limit:g}"


@dataclass(frozen=True)
class Figure:
    """One measured figure, with what it is compared against in the same run."""

    name: str
    value: float
    unit: str
    compared_name: str | None = None
    compared: float | None = None
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.compared is None or self.compared == 0 or math.isnan(self.compared):
            return None
        return self.value / self.compared

    @property
    def met(self) -> bool | None:
        return self.target.met(self.value, self.ratio) if self.target else None

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {
            "target": str(self.target) if self.target else None,
            "ratio": self.ratio,
            "met": self.met,
        }


@dataclass
class Run:
    """Everything one `python -m tests.bench` reports."""

    options: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def as_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "machine": {
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
                "python": platform.python_version(),
            },
            "options": self.options,
            "figures": [figure.as_json() for figure in self.figures],
            "details": self.details,
        }

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=2, default=str) + "\n")


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if math.isnan(value):
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
    return f"{text} {unit}".rstrip()


def table(figures: list[Figure]) -> str:
    header = ("figure", "value", "compared with", "compared", "ratio", "target", "met")
    rows = [
        (
            f.name,
            _number(f.value, f.unit),
            f.compared_name or "(absolute)",
            _number(f.compared, f.unit),
            "-" if f.ratio is None else f"{f.ratio:.2f}",
            str(f.target) if f.target else "-",
            {True: "yes", False: "NO", None: "-"}[f.met],
        )
        for f in figures
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    notes = [f"  {f.name}: {f.note}" for f in figures if f.note]
    return "\n".join(lines + (["", "notes:", *notes] if notes else []))

"""One table formatter for every text table the package prints.

:func:`format_table` turns columns of values into aligned text: each value is formatted
by its column's format spec, then the columns are aligned by pandas
(:meth:`pandas.DataFrame.to_string`) when it is installed, or by the same rule here
otherwise (the two give the same text). :func:`table_frame` gives the same columns as a
DataFrame.

>>> print(format_table({"uid": [0, 1], "share": [0.25, 0.75]}, formats={"share": ".3f"},
...                    footer={"uid": "sum", "share": 1.0}))
uid share
---------
  0 0.250
  1 0.750
---------
sum 1.000
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np

from ._extras import import_optional, missing_modules

__all__ = ["format_table", "format_cell", "table_frame"]

Format = str | Callable[[Any], str]


def format_cell(value: Any, spec: Format | None = None, *, na: str = "-") -> str:
    """One cell as text.

    Parameters
    ----------
    value : Any
        The value: None is blank, a bool is ``yes``/``no``, a NaN is ``na``.
    spec : str or callable, optional
        A format spec (``".6f"``) or a function of the value.
    na : str
        Text of a NaN.

    Returns
    -------
    str
    """
    if value is None:
        return ""
    if callable(spec):
        return spec(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Real) and math.isnan(float(value)):
        return na
    return format(value, spec or "")


def _cells(
    columns: Mapping[str, Collection[Any]], formats: Mapping[str, Format], na: str
) -> dict[str, list[str]]:
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"columns must have one length, got {sorted(lengths)}")
    return {
        name: [format_cell(v, formats.get(name), na=na) for v in values]
        for name, values in columns.items()
    }


def format_table(
    columns: Mapping[str, Collection[Any]],
    *,
    formats: Mapping[str, Format] | None = None,
    left: Sequence[str] = (),
    footer: Mapping[str, Any] | None = None,
    header: bool = True,
    rule: bool = True,
    na: str = "-",
    use_pandas: bool | None = None,
) -> str:
    """Columns as an aligned text table.

    Parameters
    ----------
    columns : mapping of str to sequence
        Column name -> values, all of one length, in display order.
    formats : mapping of str to str or callable, optional
        Column name -> format spec or function (see :func:`format_cell`).
    left : sequence of str
        Columns aligned left (default: every column right, as numbers are).
    footer : mapping of str to Any, optional
        A last row (e.g. totals) under a rule; columns it lacks are blank.
    header : bool
        Print the column names.
    rule : bool
        A line of dashes under the names (and above the footer).
    na : str
        Text of NaN values.
    use_pandas : bool, optional
        Align with pandas (default: when it is installed). Both give the same text.

    Returns
    -------
    str
        Lines without trailing blanks.
    """
    formats = dict(formats or {})
    cells = _cells(columns, formats, na)
    names = list(cells)
    n_body = len(next(iter(cells.values()), []))
    if footer is not None:
        unknown = set(footer) - set(names)
        if unknown:
            raise ValueError(f"footer names unknown columns {sorted(unknown)}")
        for name in names:
            cells[name].append(format_cell(footer.get(name), formats.get(name), na=na))
    widths = {
        name: max([len(name) if header else 0] + [len(c) for c in cells[name]]) for name in names
    }
    heads = {name: name.ljust(widths[name]) if name in left else name for name in names}
    aligned = {
        name: [c.ljust(widths[name]) if name in left else c for c in cells[name]]
        for name in names
    }
    n_rows = len(next(iter(aligned.values()), []))
    if use_pandas is None:
        use_pandas = not missing_modules("pandas")
    if use_pandas and n_rows and names:
        pd = import_optional("pandas", "the table formatter", extra="pandas")
        rows = list(zip(*(aligned[name] for name in names), strict=True))
        frame = pd.DataFrame(rows, columns=[heads[name] for name in names], dtype=object)
        text = frame.to_string(index=False, header=header, justify="right")
        lines = text.split("\n")
    else:
        lines = []
        if header:
            lines.append(" ".join(heads[name].rjust(widths[name]) for name in names))
        for r in range(n_rows):
            lines.append(" ".join(aligned[name][r].rjust(widths[name]) for name in names))
    lines = [line.rstrip() for line in lines]
    width = sum(widths.values()) + max(len(names) - 1, 0)
    if rule and header:
        lines.insert(1, "-" * width)
    if footer is not None and rule:
        lines.insert(len(lines) - 1, "-" * width)
    if not n_body and footer is None and not header:
        return ""
    return "\n".join(lines)


def table_frame(columns: Mapping[str, Collection[Any]]):
    """The same columns as a :class:`pandas.DataFrame` (raw values, not text).

    Parameters
    ----------
    columns : mapping of str to sequence
        Column name -> values.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    yuma._extras.MissingExtraError
        Without pandas.
    """
    pd = import_optional("pandas", "a table as a DataFrame", extra="pandas")
    return pd.DataFrame(dict(columns))

"""Set-based helpers for large imports: executemany inserts without per-row ORM work, and natural-key
lookups through a temporary key table joined in one query instead of thousands of IN lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Table
from sqlalchemy.orm import Session

from workflow.db import Money, UtcDateTime

_KEY_TABLE = "import_natural_key"
IMPORT_CACHE_KIB = 64 * 1024  # part of the import's memory budget (300 MB at 1,000,000 rows)


@contextmanager
def roomy_page_cache(s: Session) -> Iterator[None]:
    """On SQLite, a 64 MiB page cache for this import's connection, put back afterwards: the
    default 2 MiB cannot hold the invoice indexes of a large ledger, so inserting 100,000 rows would
    spill and re-read pages. Only memory changes; durability (journal, synchronous) does not."""
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    before = int(raw.execute("PRAGMA cache_size").fetchone()[0])
    raw.execute(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size={before}")


def _bind_marker(paramstyle: str, i: int) -> str:
    return {"qmark": "?", "numeric": f":{i + 1}", "named": f":p{i}"}.get(paramstyle, "%s")


def _converter(type_: Any, dialect: Any) -> Callable[[list[Any]], list[Any]] | None:
    """A whole column's bind conversion. Money values reaching here are already checked to 2
    places; money and date columns repeat values so much (zero totals, due dates) that converting
    each distinct value once beats converting every cell. Only these types: for others (JSON) equal
    values such as 1 and True may bind differently; a Boolean binds both as 1."""
    proc: Callable[[Any], Any] | None = (
        _fen if isinstance(type_, Money) else type_.dialect_impl(dialect).bind_processor(dialect)
    )
    if proc is None:
        return None
    p = proc
    if not isinstance(type_, Money | Date | DateTime | UtcDateTime | Boolean):
        return lambda column: [None if v is None else p(v) for v in column]

    def distinct_once(column: list[Any]) -> list[Any]:
        distinct = set(column)
        if len(distinct) * 2 > len(column):
            return [None if v is None else p(v) for v in column]
        table = {v: None if v is None else p(v) for v in distinct}
        return list(map(table.__getitem__, column))

    return distinct_once


def _fen(value: Decimal) -> int:
    return int(value.scaleb(2))


def insert_rows(s: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT many rows with the columns' own bind conversions (Money → fen, dates), sent to the
    driver's executemany in one call. A column a row lacks is sent as NULL."""
    if not rows:
        return
    # rows to tuples in C (itemgetter); rows of one shape are the rule, any other shape takes the union
    names = sorted(rows[0])
    getter = itemgetter(*names) if len(names) > 1 else (lambda r: (r[names[0]],))
    try:
        if len(set(map(len, rows))) > 1:
            raise KeyError(names)
        tuples = [getter(r) for r in rows]
    except KeyError:
        names = sorted(set().union(*rows))
        tuples = [tuple(r.get(n) for n in names) for r in rows]
    insert_columns(s, table, dict(zip(names, zip(*tuples, strict=True), strict=True)))


def insert_columns(
    s: Session, table: Table, columns: Mapping[str, Sequence[Any]], order_by: tuple[str, ...] = ()
) -> None:
    """INSERT the rows given column by column (equal lengths), converted column by column and sent
    to the driver's executemany in one call; ``order_by`` names the columns whose (unconverted)
    values set the order rows are inserted in."""
    conn = s.connection()
    dialect = conn.dialect
    names = sorted(columns)
    values: list[Sequence[Any]] = [columns[n] for n in names]
    for i, n in enumerate(names):
        convert = _converter(table.c[n].type, dialect)
        if convert is not None:
            values[i] = convert(list(values[i]))
    tuples: list[Any] = list(zip(*values, strict=True))
    if order_by:  # the order of the values as given, applied once to the finished tuples
        keys = list(zip(*(columns[n] for n in order_by), strict=True))
        tuples = list(map(tuples.__getitem__, sorted(range(len(keys)), key=keys.__getitem__)))
    style = dialect.paramstyle
    marks = ", ".join(_bind_marker(style, i) for i in range(len(names)))
    cols = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    sql = f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({cols}) VALUES ({marks})"
    params: list[Any]
    if style == "named":
        keys_ = [f"p{i}" for i in range(len(names))]
        params = [dict(zip(keys_, row, strict=True)) for row in tuples]
    else:
        params = tuples
    if params:
        conn.exec_driver_sql(sql, params)


def lookup(
    s: Session, table: Table, key_cols: tuple[str, str], keys: set[tuple[Any, Any]], select_cols: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Rows of ``table`` whose (key_cols) are among ``keys``: the keys go into a temporary table
    with executemany, then one indexed join returns the matches."""
    if not keys:
        return []
    conn = s.connection()
    dialect = conn.dialect
    q = dialect.identifier_preparer.quote
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_KEY_TABLE}")
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {_KEY_TABLE} (k1 BIGINT NOT NULL, k2 VARCHAR(200) NOT NULL)")
    marks = ", ".join(_bind_marker(dialect.paramstyle, i) for i in range(2))
    if dialect.paramstyle == "named":
        conn.exec_driver_sql(f"INSERT INTO {_KEY_TABLE} VALUES ({marks})", [{"p0": a, "p1": b} for a, b in keys])
    else:
        conn.exec_driver_sql(f"INSERT INTO {_KEY_TABLE} VALUES ({marks})", list(keys))
    t = dialect.identifier_preparer.format_table(table)
    cols = ", ".join(f"t.{q(c)}" for c in select_cols)
    sql = f"SELECT {cols} FROM {t} t JOIN {_KEY_TABLE} k ON t.{q(key_cols[0])} = k.k1 AND t.{q(key_cols[1])} = k.k2"
    fetched = conn.exec_driver_sql(sql).fetchall()
    # column by column, each distinct stored value converted once (dates and totals repeat)
    columns: list[Any] = list(zip(*fetched, strict=True)) if fetched else [() for _ in select_cols]
    for i, c in enumerate(select_cols):
        proc = table.c[c].type.dialect_impl(dialect).result_processor(dialect, None)
        if proc is not None:
            once = {v: proc(v) for v in set(columns[i])}
            columns[i] = list(map(once.__getitem__, columns[i]))
    result = list(zip(*columns, strict=True))
    conn.exec_driver_sql(f"DROP TABLE {_KEY_TABLE}")
    return result


_FILE_KEYS = "import_file_invoice"
# A filter in front of the table (two slots per key, one byte each): a key not marked in both of its
# slots was not in an earlier slice, and is not looked up. 4 MiB whatever the file's size (the
# import's memory budget is tight); files of distinct numbers (nearly all) skip the table's join in
# most slices, and at 1,000,000 keys about one key in seven is still looked up for nothing.
_FILTER_BITS = 22
_FILTER_MASK = (1 << _FILTER_BITS) - 1


class FileKeys:
    """The invoice keys of the file read so far — (creditor id, number) → first row, customer code,
    currency — in a temporary table, so a 1,000,000-row file's duplicates are found (and a payment
    naming one of its invoices is checked) without holding a million keys in memory."""

    def __init__(self, s: Session) -> None:
        self.conn = s.connection()
        self.size = 0
        self.created = False
        self.marks = bytearray()  # the filter, made with the table

    def _create(self) -> None:
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_FILE_KEYS}")
        # on SQLite one B-tree (the key's) instead of a row table and an index on it
        rowid = " WITHOUT ROWID" if self.conn.dialect.name == "sqlite" else ""
        self.conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {_FILE_KEYS} (k1 BIGINT NOT NULL, k2 VARCHAR(200) NOT NULL, "
            f"row_no INTEGER NOT NULL, customer_code VARCHAR(200), currency VARCHAR(20), PRIMARY KEY (k1, k2)){rowid}"
        )
        self.created = True

    def add(self, rows: list[tuple[int, str, int, str | None, str | None]]) -> None:
        if not rows:
            return
        if not self.created:
            self._create()
            self.marks = bytearray(1 << _FILTER_BITS)
        seen = self.marks
        for k1, k2, *_ in rows:
            h = hash((k1, k2))
            seen[h & _FILTER_MASK] = seen[(h >> _FILTER_BITS) & _FILTER_MASK] = 1
        style = self.conn.dialect.paramstyle
        marks = ", ".join(_bind_marker(style, i) for i in range(5))
        params: list[Any] = rows
        if style == "named":
            params = [{f"p{i}": v for i, v in enumerate(r)} for r in rows]
        self.conn.exec_driver_sql(f"INSERT INTO {_FILE_KEYS} VALUES ({marks})", params)
        self.size += len(rows)

    def lookup(self, keys: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str | None, str | None]]:
        """Those of ``keys`` an earlier slice held."""
        if not keys or not self.size:
            return {}
        seen = self.marks
        keys = {k for k in keys if seen[(h := hash(k)) & _FILTER_MASK] and seen[(h >> _FILTER_BITS) & _FILTER_MASK]}
        if not keys:
            return {}
        conn = self.conn
        marks = ", ".join(_bind_marker(conn.dialect.paramstyle, i) for i in range(2))
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_KEY_TABLE}")
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {_KEY_TABLE} (k1 BIGINT NOT NULL, k2 VARCHAR(200) NOT NULL)")
        params: list[Any] = list(keys)
        if conn.dialect.paramstyle == "named":
            params = [{"p0": a, "p1": b} for a, b in keys]
        conn.exec_driver_sql(f"INSERT INTO {_KEY_TABLE} VALUES ({marks})", params)
        rows = conn.exec_driver_sql(
            f"SELECT f.k1, f.k2, f.row_no, f.customer_code, f.currency FROM {_FILE_KEYS} f "
            f"JOIN {_KEY_TABLE} k ON f.k1 = k.k1 AND f.k2 = k.k2"
        ).fetchall()
        conn.exec_driver_sql(f"DROP TABLE {_KEY_TABLE}")
        return {(k1, k2): (row, code, cur) for k1, k2, row, code, cur in rows}

    def close(self) -> None:
        if self.created and not self.conn.closed and not self.conn.invalidated:
            try:
                self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_FILE_KEYS}")
            except Exception:  # the transaction failed already: it is rolled back, table and all
                return

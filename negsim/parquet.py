"""How negsim writes its Parquet tables: small files, read back exactly as written.

A result table is mostly floats that differ from run to run, where Parquet's default
dictionary encoding stores a dictionary as large as the column and then the indices too: so
floats are written plain, and everything is zstd-compressed. Sampled inputs (``in:`` columns),
when an experiment records them at all, are stored as float32: they are a convenience copy,
regenerated exactly (float64) from the seed and run index by ``negsim inputs``; every other
column keeps its dtype, so a table read back computes the same summaries.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final, Literal

import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

COMPRESSION: Final[Literal["zstd"]] = "zstd"  # a Literal: pyarrow-stubs take only known codecs


def arrow(frame: pd.DataFrame, compact: bool = True) -> pa.Table:
    """The table to write: ``in:`` columns as float32 (``compact``), the rest as they are."""
    import pyarrow as pa

    inputs = [c for c in frame.columns if compact and str(c).startswith("in:")]
    if inputs:
        frame = frame.astype({c: "float32" for c in inputs})
    return pa.Table.from_pandas(frame, preserve_index=False)


def _dictionary(schema: pa.Schema) -> list[str]:
    """The columns worth a dictionary: all but floating-point ones."""
    import pyarrow as pa

    return [f.name for f in schema if not pa.types.is_floating(f.type)]


def open_writer(where: str | Path | BinaryIO, schema: pa.Schema) -> pq.ParquetWriter:
    """A writer for one table written part by part (a row group each)."""
    import pyarrow.parquet as pq

    # pyarrow-stubs type use_dictionary as bool; pyarrow takes a list of columns too (its
    # docstring: "use_dictionary : bool or list")
    return pq.ParquetWriter(
        where,
        schema,
        compression=COMPRESSION,
        use_dictionary=_dictionary(schema),  # type: ignore[arg-type]
    )


class Parts:
    """One Parquet file from tables appended one after the other: memory holds one part.
    Later parts are cast to the first part's schema (a column all-missing in one part)."""

    def __init__(self, where: str | Path | BinaryIO, compact: bool = True) -> None:
        self.where, self.compact = where, compact
        self.writer: pq.ParquetWriter | None = None

    def append(self, frame: pd.DataFrame) -> None:
        table = arrow(frame, self.compact)
        if self.writer is None:
            self.writer = open_writer(self.where, table.schema)
        # pyarrow-stubs type ParquetWriter.schema as a ParquetSchema; it is the Arrow Schema
        # the writer was opened with (pyarrow/parquet/core.py: self.schema = schema)
        elif not table.schema.equals(self.writer.schema, check_metadata=False):  # type: ignore[arg-type]
            table = table.cast(self.writer.schema)  # type: ignore[arg-type]
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def write_parts(
    where: str | Path | BinaryIO, frames: Iterable[pd.DataFrame], compact: bool = True
) -> None:
    """One file from ``frames``, written one after the other (a row group each)."""
    parts = Parts(where, compact)
    try:
        for frame in frames:
            parts.append(frame)
    finally:
        parts.close()


def write(where: str | Path | BinaryIO, frame: pd.DataFrame) -> None:
    """One table, whole."""
    write_parts(where, [frame])

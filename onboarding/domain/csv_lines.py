"""The lines of a CSV file with a fixed header, each with its line number, refusing a shifted line.

Shared by the region file (`parties/region.py`) and the region history files
(`region_history/parsing.py`), which each validate the rows they get.
"""

import csv
import io
from collections.abc import Iterator

from onboarding.domain.errors import RequestRejected


def csv_lines(
    text: str, columns: tuple[str, ...], source: str
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) per record; RequestRejected for a wrong header or field count."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != columns:
        raise RequestRejected(
            source, f"header must be {','.join(columns)}, got {','.join(reader.fieldnames or [])}"
        )
    for row in reader:
        # DictReader files surplus fields under None and fills missing ones with
        # None: an unquoted comma in a name would otherwise shift the columns
        # silently.
        fields = [v for k, v in row.items() if k is not None and v is not None]
        fields += row.get(None, [])
        if len(fields) != len(columns):
            raise RequestRejected(
                f"{source} line {reader.line_num}",
                f"expected {len(columns)} fields ({','.join(columns)}), got {len(fields)}",
            )
        yield reader.line_num, {k: v for k, v in row.items() if k is not None}

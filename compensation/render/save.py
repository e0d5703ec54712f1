"""Writing output files: whole or not at all, with the user's permissions, the same bytes each time.

Every document ecocomp writes goes through `write_atomically` (a temporary file beside the target,
then a rename, so a failure never leaves half a file). The temporary file is created with mode 0666
and the process's umask applied, as `open()` does, so outputs get the permissions every other file
of the user gets (`tempfile.mkstemp` would have made them 0600).

Office files (xlsx, docx) are zip archives whose entries carry the time they were written and whose
`docProps/core.xml` records when the document was created and modified; two builds from the same
data then differ in those bytes only. `fixed_office_bytes` sets both to a moment the caller derives
from the data (the as-of of the runs shown, say), so that the same inputs give byte-identical
files. Use `save_workbook` for openpyxl workbooks; a docx (python-docx) is saved to a BytesIO, put
through `fixed_office_bytes` and written with `write_atomically`.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

CORE_XML = "docProps/core.xml"
# The moment of a document that shows no data cut-off (a blank template, a scenario comparison
# computed "now"): the earliest time a zip entry can carry, as reproducible-build tools use.
NO_MOMENT = datetime(1980, 1, 1)
# The earliest and latest times a zip entry can carry (DOS date: 1980..2107).
_ZIP_FIRST, _ZIP_LAST = datetime(1980, 1, 1), datetime(2107, 12, 31, 23, 59, 58)
_CORE_TIMES = re.compile(
    rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)"
)


def write_atomically(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file and a rename; permissions per the umask."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def fixed_office_bytes(data: bytes, moment: datetime) -> bytes:
    """The same zip with every entry dated `moment` and core.xml created/modified = `moment`.

    Entries keep their order, names and contents; they are deflated again with fixed settings, so
    equal contents give equal bytes whatever library or clock wrote them.
    """
    stamp = moment.replace(tzinfo=None, microsecond=0)
    core_time = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    zip_time = min(max(stamp, _ZIP_FIRST), _ZIP_LAST).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == CORE_XML:
                content = _CORE_TIMES.sub(rb"\g<1>" + core_time + rb"\g<3>", content)
            info = zipfile.ZipInfo(item.filename, date_time=zip_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            dst.writestr(info, content, compresslevel=6)
    return out.getvalue()


def workbook_bytes(wb: Workbook, moment: datetime) -> bytes:
    """The workbook as xlsx bytes that depend only on its contents and `moment`."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return fixed_office_bytes(buffer.getvalue(), moment)


def save_workbook(wb: Workbook, path: str | Path, moment: datetime) -> Path:
    """Save an openpyxl workbook: atomically, with the umask, byte-identical for the same moment."""
    return write_atomically(path, workbook_bytes(wb, moment))


__all__ = ["NO_MOMENT", "fixed_office_bytes", "save_workbook", "workbook_bytes", "write_atomically"]

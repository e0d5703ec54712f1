"""The year-end transfer list (划拨清单) finance signs: one row per transfer, from a settlement.

The 元 column is the amount (exact, to the fen); the 万元 column is for reading, rounded half up
to two decimals. A list that is not final says 预核算 on every page; a final one carries its
settlement number and date. Written as xlsx, pdf (through the HTML) or docx (the profile's
template).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from compensation.engine.settle import Settlement, settle_year
from compensation.errors import EcocompError
from compensation.render.data import read_rules_and_parameters
from compensation.render.labels import day_label, format_wan, format_yuan, scheme_title
from compensation.render.profile import (
    DocumentHead,
    IssuingProfile,
    document_head,
    load_profile,
)
from compensation.render.provenance import official_basis
from compensation.render.templates import environment

FORMATS = (".xlsx", ".pdf", ".docx")
PROVISIONAL = "预核算"
AMOUNT_NOTE = ("注：金额以“金额（元）”为准，精确到分；“金额（万元）”四舍五入保留两位小数，"
               "仅便于阅读。")


@dataclass(frozen=True)
class TransferRow:
    number: int
    payer: str
    payee: str
    yuan: Decimal

    @property
    def yuan_text(self) -> str:
        return format_yuan(self.yuan)

    @property
    def wan_text(self) -> str:
        return format_wan(self.yuan)


@dataclass(frozen=True)
class TransferList:
    head: DocumentHead
    scheme_title: str
    year: int
    months: str
    rows: list[TransferRow]
    total: Decimal
    final: bool
    settlement_id: int | None
    settled_on: date | None
    run_ids: list[int]
    line_count: int
    basis: str
    carry_forward: list[TransferRow]

    @property
    def status(self) -> str:
        """What the list is, in one line (on every page of a provisional one)."""
        if self.final:
            return f"定稿 · 结算编号 第{self.settlement_id}号 · {day_label(self.settled_on)}"
        return f"{PROVISIONAL}（未定稿，仅供核对，不作划拨依据）"

    @property
    def sign_lines(self) -> list[str]:
        """编制人、复核人、审批人 (from the profile), each with a line to sign and date."""
        return [f"{signer}：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
                for signer in self.head.signers]

    @property
    def total_yuan_text(self) -> str:
        return format_yuan(self.total)

    @property
    def total_wan_text(self) -> str:
        return format_wan(self.total)

    @property
    def facts(self) -> list[tuple[str, str]]:
        """The basis and the numbers behind the list, as (label, text) lines."""
        return [
            ("结算期间", self.months),
            ("依据", self.basis or "见本方案核算规则"),
            ("核算运行", "、".join(f"第{r}号" for r in self.run_ids) or "—"),
            ("台账行数", str(self.line_count)),
            ("结算编号",
             f"第{self.settlement_id}号" if self.settlement_id else "（未定稿，无编号）"),
            ("状态", "定稿（冻结，之后的数据更正结转下一年度）" if self.final else PROVISIONAL),
        ]


def _settled_on(con: duckdb.DuckDBPyConnection, settlement_id: int | None) -> date | None:
    if settlement_id is None:
        return None
    rows = con.execute(
        "SELECT created_at FROM settlements WHERE settlement_id = ?", [settlement_id]
    ).fetchall()
    return rows[0][0].date() if rows else None


def _basis(con: duckdb.DuckDBPyConnection, run_ids: list[int]) -> str:
    """The official documents the scheme's rules cite (press reports left out)."""
    rules, _ = read_rules_and_parameters(con, run_ids)
    found: list[str] = []
    for info in rules.values():
        for part in official_basis(info.basis).split("；"):
            if part and part not in found:
                found.append(part)
    return "；".join(found)


def _rows(items: list[tuple[str, str, Decimal]], names: dict[str, str]) -> list[TransferRow]:
    return [TransferRow(i, names.get(p, p), names.get(q, q), Decimal(a))
            for i, (p, q, a) in enumerate(items, start=1)]


def build_transfer_list(
    con: duckdb.DuckDBPyConnection, result: Settlement, profile: IssuingProfile,
    prepared_on: date,
) -> TransferList:
    settlement_id = result.settlement_id or result.frozen_id
    final = result.final or result.frozen_id is not None
    settled_on = _settled_on(con, settlement_id) if final else None
    title = scheme_title(result.scheme)
    head = document_head(profile, profile.transfer_list, "", settled_on or prepared_on,
                         year=str(result.year), scheme=title)
    rows = _rows(result.transfers, result.names)
    months = (f"{result.covered_from.year}年{result.covered_from.month}月至"
              f"{result.covered_to.year}年{result.covered_to.month}月")
    return TransferList(
        head=head, scheme_title=title, year=result.year, months=months, rows=rows,
        total=sum((r.yuan for r in rows), Decimal("0.00")), final=final,
        settlement_id=settlement_id, settled_on=settled_on, run_ids=result.run_ids,
        line_count=result.line_count, basis=_basis(con, result.run_ids),
        carry_forward=_rows(result.carry_forward, result.names),
    )


def check_out_path(out: str | Path) -> Path:
    """Refuse an unknown suffix before anything is settled or recorded."""
    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise EcocompError(
            f"划拨清单文件名“{path.name}”的扩展名应为 .xlsx、.pdf 或 .docx。(--out 清单.xlsx)"
        )
    return path


def transfer_list_html(tl: TransferList) -> str:
    return environment("html").get_template("transfer_list.html.j2").render(
        t=tl, amount_note=AMOUNT_NOTE)


def write_transfer_list(
    con: duckdb.DuckDBPyConnection, result: Settlement, out: str | Path,
    profile: IssuingProfile | str | Path | None = None, prepared_on: date | None = None,
) -> Path:
    """Write the settlement's transfer list to `out` (.xlsx, .pdf or .docx)."""
    path = check_out_path(out)
    chosen = profile if isinstance(profile, IssuingProfile) else load_profile(profile)
    tl = build_transfer_list(con, result, chosen, prepared_on or date.today())
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from compensation.render.transfer_xlsx import transfer_list_xlsx

        return transfer_list_xlsx(tl, path)
    if suffix == ".docx":
        from compensation.render.word import transfer_list_docx

        return transfer_list_docx(tl, chosen.template_path(chosen.transfer_list), path)
    from compensation.render.pdf import html_to_pdf

    return html_to_pdf(transfer_list_html(tl), path)


def _reason(err: BaseException) -> str:
    if isinstance(err, OSError):
        return err.strerror or str(err)
    return str(err)


def prepare_out_path(out: str | Path) -> Path:
    """Check before anything is recorded that the list can be written where asked: the suffix,
    the folder (made if missing) and a file created and removed there."""
    path = check_out_path(out)
    if path.is_dir():
        raise EcocompError(
            f"无法写入划拨清单 {path}：这是一个文件夹；未记录结算。(--out is a folder)"
        )
    probe = path.with_name(f".{path.name}.{os.getpid()}.probe")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as err:
        raise EcocompError(
            f"无法写入划拨清单 {path}：{_reason(err)}；未记录结算，数据库保持原样。"
            "(cannot write --out)"
        ) from None
    return path


def settle_and_write(
    con: duckdb.DuckDBPyConnection, scheme: str, year: str | int, final: bool, out: str | Path,
    profile: IssuingProfile, prepared_on: date,
) -> Settlement:
    """`settle [--final] --out`: a final settlement is recorded only together with its list.

    The list is written to a hidden file beside the target inside the recording transaction (a
    failure rolls the settlement back), and renamed into place after the commit; should that
    rename fail, the message says the settlement was recorded and how to write the list again.
    """
    path = prepare_out_path(out)
    if not final:
        result = settle_year(con, scheme, year)
        write_transfer_list(con, result, path, profile, prepared_on)
        return result
    staged = path.with_name(f".{path.stem}.{os.getpid()}.pending{path.suffix}")

    def write_staged(result: Settlement) -> None:
        try:
            write_transfer_list(con, result, staged, profile, prepared_on)
        except Exception as err:
            staged.unlink(missing_ok=True)
            raise EcocompError(
                f"划拨清单未能写入 {path}：{_reason(err)}；未记录结算，数据库保持原样。"
            ) from None

    try:
        result = settle_year(con, scheme, year, final=True, before_commit=write_staged)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    try:
        os.replace(staged, path)
    except OSError as err:
        staged.unlink(missing_ok=True)
        raise EcocompError(
            f"结算已定稿并记录（结算编号第{result.settlement_id}号），但划拨清单未能写入 {path}："
            f"{_reason(err)}。请另指定路径重新生成（不加 --final）：ecocomp settle --scheme "
            f"{scheme} --year {result.year} --out 清单{path.suffix}"
        ) from None
    return result

"""Exact money: yuan to the fen as Decimal, 万元 for display, shares by largest remainder."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
WAN = Decimal(10000)


def to_fen(value: Decimal | int | str) -> Decimal:
    """Round to the fen half up (四舍五入), the way the policy rounds money."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def yuan_text(yuan: Decimal) -> str:
    """'500000.00': the fixed two-decimal form used in JSON and CSV."""
    return f"{Decimal(yuan).quantize(FEN):f}"


def wan_text(yuan: Decimal) -> str:
    """Yuan as 万元 with 2..6 decimals: exact (a fen is 0.000001 万), never rounded away."""
    wan = Decimal(yuan) / WAN  # exact: yuan has at most 2 decimals
    text = f"{wan.quantize(Decimal('0.000001')):f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return f"{whole}.{frac.ljust(2, '0')}"


def wan_display(yuan: Decimal) -> str:
    """Yuan as 万元 for reading, two decimals half up ('266.67'); the amount is the yuan figure
    printed beside it, never this."""
    return f"{(Decimal(yuan) / WAN).quantize(FEN, rounding=ROUND_HALF_UP):,.2f}"


def allocate(total: Decimal, weights: list[int | Decimal]) -> list[Decimal]:
    """Split `total` yuan over weighted shares to the fen so that the shares add up exactly.

    Largest remainder (Hamilton): every share gets its floor in fen, then the fen left over go one
    each to the largest remainders, ties to the earlier share so the result is reproducible.
    """
    if not weights:
        return []
    fen_total = int((Decimal(total) / FEN).to_integral_exact())
    weight_sum = sum(Decimal(w) for w in weights)
    if weight_sum <= 0:
        raise ValueError("weights must add up to a positive number")
    exact = [Decimal(fen_total) * Decimal(w) / weight_sum for w in weights]
    floors = [int(x // 1) for x in exact]
    left = fen_total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) * FEN for f in floors]

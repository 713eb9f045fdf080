"""Buy-ins: read off event names ($10K, €1,100, 1500, 5k) and written back compactly."""

from __future__ import annotations

import re

from control.blocks.title_generator import vocabulary as v
from control.blocks.title_generator.cleaning import SEPARATORS, SPACES
from control.blocks.title_generator.draft import BuyIn, Draft

STAKES = re.compile(r"(\$[\d,]+)\s+(\$[\d,]+)")


def money_to_buy_in(num: str, mult: str | None, currency: str) -> BuyIn:
    value = float(num.replace(",", ""))
    value *= {"K": 1_000, "M": 1_000_000}.get((mult or "").upper(), 1)
    return BuyIn(amount=round(value), currency=currency)


def take_buy_in(text: str, d: Draft) -> str:
    """Read a leading buy-in ($10K, €1,100, 1500, 5k) off an event name; return the rest."""
    if v.CASH_GAME.search(text):
        # "$500 $1,000" in a cash game are the blinds, not a buy-in
        return STAKES.sub(r"\1/\2", text)
    default_cur = d.currency
    text = text.strip(SEPARATORS + " ")
    found: BuyIn | None = None
    while True:
        m = v.MONEY.match(text)
        if m:
            cur = "EUR" if (m.group("cur") == "€" or m.group("num2")) else "USD"
            num = m.group("num") or m.group("num2")
            found = found or money_to_buy_in(num, m.group("mult") or m.group("mult2"), cur)
            text = text[m.end() :].strip(SEPARATORS + " ")
            continue
        b = v.BARE_MONEY.match(text)
        if b and found is None:
            if b.group("plain"):
                found = BuyIn(amount=int(b.group("plain")), currency=default_cur)
            else:
                found = money_to_buy_in(b.group("num"), b.group("mult"), default_cur)
            text = text[b.end() :].strip(SEPARATORS + " ")
        break
    if found is None and (inner := v.INNER_K.search(text)):
        # "NLH 2K Monsterstack": a K amount inside the name is still the buy-in
        found = money_to_buy_in(inner.group(1), "K", default_cur)
        text = SPACES.sub(" ", text[: inner.start()] + text[inner.end() :]).strip()
    if found and d.buy_in is None:
        d.buy_in = found
    return text


def format_money(b: BuyIn) -> str:
    sign = {"USD": "$", "EUR": "€"}.get(b["currency"], b["currency"] + " ")
    amount = b["amount"]
    if amount >= 1_000_000 and amount % 100_000 == 0:
        return f"{sign}{amount / 1_000_000:g}M"
    if amount >= 1000 and amount % 100 == 0:
        return f"{sign}{amount / 1000:g}K"
    return f"{sign}{amount:,}"

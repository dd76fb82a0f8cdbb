"""KID (kundeidentifikasjon, the payment reference of a Norwegian invoice) and the MOD11 check of a
Norwegian bank account number.

A KID is 2 to 25 characters: digits, the last one a check digit computed over the others by one of
two methods the payee agrees with its bank (the OCR agreement, Nets):

- MOD10 (Luhn): from the right, the digits are weighted 2, 1, 2, 1 …; a product of two digits counts
  as the sum of its digits; the check digit is what brings the sum to a multiple of ten (sum 40 → 0).
- MOD11: from the right, the digits are weighted 2, 3, 4, 5, 6, 7, 2, 3 …; the check is 11 minus the
  sum's remainder modulo 11. Remainder 0 → check 0. Remainder 1 → 10, which is no digit: a KID then
  ends in '-' (Nets' OCR giro accepts it, and the open-source norwegian-numbers makes '40-' from
  '40'), while an account number or an organisation number with that remainder does not exist.

The co-op's KID has a fixed length, as an OCR agreement asks: the invoice number in INVOICE_DIGITS
digits (zero-padded), optionally after the owner's customer number in CUSTOMER_DIGITS digits, then
the check character. With MOD11 about one invoice in eleven gets '-'; a bank or business manager that
wants digits only should use MOD10 (the default), which never does.
"""

from __future__ import annotations

import re

from chargeboard.i18n import _

MOD10, MOD11 = "mod10", "mod11"
METHODS = (MOD10, MOD11)
LAYOUT_INVOICE, LAYOUT_CUSTOMER_INVOICE = "invoice", "customer_invoice"
LAYOUTS = (LAYOUT_INVOICE, LAYOUT_CUSTOMER_INVOICE)
INVOICE_DIGITS = 8        # up to invoice number 99 999 999
CUSTOMER_DIGITS = 6       # up to customer number 999 999
KID_MIN, KID_MAX = 2, 25  # characters, the check included
_SEPARATORS = re.compile(r"[\s.]")


class KidError(ValueError):
    """A KID cannot be made from these numbers; the message says why."""


def _weighted(digits: str, weights: tuple[int, ...]) -> list[int]:
    return [int(d) * weights[i % len(weights)] for i, d in enumerate(reversed(digits))]


def mod10_check(digits: str) -> str:
    """The MOD10 (Luhn) check digit of a string of digits."""
    total = sum(p // 10 + p % 10 for p in _weighted(digits, (2, 1)))
    return str((10 - total % 10) % 10)


def mod11_check(digits: str) -> str:
    """The MOD11 check of a string of digits: '0'–'9', or '-' when the remainder is 1 (11 − 1 = 10)."""
    control = 11 - sum(_weighted(digits, (2, 3, 4, 5, 6, 7))) % 11
    return "0" if control == 11 else "-" if control == 10 else str(control)


def check(digits: str, method: str) -> str:
    if method == MOD10:
        return mod10_check(digits)
    if method == MOD11:
        return mod11_check(digits)
    raise KidError(_("the KID method must be mod10 or mod11, not {method}", method=method))


def is_valid(kid: str, method: str) -> bool:
    """A KID of 2–25 characters whose last character is the method's check of the digits before it
    ('-' is a valid MOD11 check, never a MOD10 one)."""
    kid = (kid or "").strip()
    if not KID_MIN <= len(kid) <= KID_MAX or not kid[:-1].isdigit() or not kid[:-1].isascii():
        return False
    if method not in METHODS:
        return False
    return check(kid[:-1], method) == kid[-1]


def make(invoice_number: int, customer_number: str | None = None, *, method: str = MOD10,
         layout: str = LAYOUT_INVOICE) -> str:
    """The KID of an invoice: [customer number, CUSTOMER_DIGITS][invoice number, INVOICE_DIGITS][check],
    the customer number only in the 'customer_invoice' layout. Always the same length for a layout."""
    if method not in METHODS:
        raise KidError(_("the KID method must be mod10 or mod11, not {method}", method=method))
    if not isinstance(invoice_number, int) or not 0 < invoice_number < 10 ** INVOICE_DIGITS:
        raise KidError(_("invoice number {number} does not fit the KID's {digits} digits", number=invoice_number,
                         digits=INVOICE_DIGITS))
    base = f"{invoice_number:0{INVOICE_DIGITS}d}"
    if layout == LAYOUT_CUSTOMER_INVOICE:
        customer = (customer_number or "").strip()
        if not customer.isdigit() or not customer.isascii() or len(customer) > CUSTOMER_DIGITS:
            raise KidError(_("customer number “{number}” is not 1–{digits} digits, so it cannot be part of the KID",
                             number=customer_number or "", digits=CUSTOMER_DIGITS))
        base = customer.zfill(CUSTOMER_DIGITS) + base
    elif layout != LAYOUT_INVOICE:
        raise KidError(_("the KID layout must be invoice or customer_invoice, not {layout}", layout=layout))
    return base + check(base, method)


# -- bank account numbers -------------------------------------------------------------------------

def account_digits(text: str) -> str:
    """An account number as typed ('1234 56 78903', '1234.56.78903') as its 11 digits (not checked)."""
    return _SEPARATORS.sub("", text or "")


def is_valid_account_number(text: str) -> bool:
    """A Norwegian bank account number: 11 digits, the last the MOD11 check of the first ten (weights
    2..7 from the right); remainder 1 means no such account (there is no '-' in an account number)."""
    digits = account_digits(text)
    if len(digits) != 11 or not digits.isdigit() or not digits.isascii():
        return False
    return mod11_check(digits[:10]) == digits[10]


def account_text(digits: str) -> str:
    """'12345678903' as printed on an invoice: '1234 56 78903'."""
    digits = account_digits(digits)
    return f"{digits[:4]} {digits[4:6]} {digits[6:]}" if len(digits) == 11 else digits

"""The co-op's billing settings (one row of billing_settings): who pays a period (payer rule), the
minimum amount a run bills (smaller amounts are carried over), the co-op's bank account (an 11-digit
Norwegian account number, MOD11-checked), the KID method and layout, days to the due date, the VAT rate
of a flat price and the text of the business manager's line.

Only the system owner changes them; every change is written to the change record
(billing_settings_changes: who, when, each field's old and new value, in English).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

from chargeboard import accounts, i18n
from chargeboard.billing import kid
from chargeboard.i18n import _
from chargeboard.scope import Scope
from chargeboard.store import Store, query_text

PAYER_RULES = ("owner_at_end", "by_ownership")
DUE_DAYS_MAX = 365
LINE_TEXT_MAX = 200
DEFAULT_LINE_TEXT = "Lading {period}"  # the business manager's line when none is set ({period}: the run's)


class BillingSettingsError(ValueError):
    """A setting refused; the message says which and why (one line for the person who typed it)."""


@dataclass(frozen=True)
class BillingSettings:
    payer_rule: str = "owner_at_end"
    minimum_amount: Decimal = Decimal("0.00")
    account_number: str | None = None     # 11 digits, checked
    kid_method: str = kid.MOD10
    due_days: int = 14
    vat_rate: Decimal = Decimal("0.25")
    line_text: str | None = None
    kid_layout: str = kid.LAYOUT_INVOICE
    updated_at: datetime | None = None     # None: never saved (the defaults)
    updated_by: str | None = None


EDITABLE = ("payer_rule", "minimum_amount", "account_number", "kid_method", "due_days", "vat_rate", "line_text",
            "kid_layout")


def read(store: Store) -> BillingSettings:
    """The settings as saved, else the defaults (the schema's)."""
    rows = store.rows("billing_settings_row")
    if not rows:
        return BillingSettings()
    (payer_rule, minimum, account, method, due_days, vat_rate, line_text, layout, updated_at, updated_by) = rows[0]
    return BillingSettings(payer_rule, Decimal(minimum), account, method, int(due_days), Decimal(vat_rate), line_text,
                           layout or kid.LAYOUT_INVOICE, updated_at, updated_by)


def _decimal(text: object, what: str) -> Decimal:
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise BillingSettingsError(_("{setting}: “{value}” is not a number", setting=what, value=text)) from None
    if not value.is_finite():
        raise BillingSettingsError(_("{setting}: “{value}” is not a number", setting=what, value=text))
    return value


def checked(current: BillingSettings, **changes: object) -> BillingSettings:
    """`current` with `changes` (the EDITABLE fields; text as typed is accepted), each checked."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise BillingSettingsError(_("not a billing setting: {names}", names=", ".join(sorted(unknown))))
    values: dict[str, object] = {}
    for name, value in changes.items():
        if name == "payer_rule":
            if value not in PAYER_RULES:
                raise BillingSettingsError(_("payer rule must be owner_at_end or by_ownership, not {value}",
                                             value=value))
        elif name == "minimum_amount":
            value = _decimal(value, "minimum amount")
            if value < 0 or value != value.quantize(Decimal("0.01")) or value >= Decimal("1e15"):
                raise BillingSettingsError(_("minimum amount: {value} must be zero or more, to the øre",
                                             value=value))
            value = value.quantize(Decimal("0.01"))
        elif name == "account_number":
            if value is None or not str(value).strip():
                value = None
            else:
                digits = kid.account_digits(str(value))
                if not kid.is_valid_account_number(digits):
                    raise BillingSettingsError(_("account number {value} is not a Norwegian account number (11 "
                                                 "digits, the last the MOD11 check of the first ten)",
                                                 value=value))
                value = digits
        elif name == "kid_method":
            if value not in kid.METHODS:
                raise BillingSettingsError(_("the KID method must be mod10 or mod11, not {method}", method=value))
        elif name == "kid_layout":
            if value not in kid.LAYOUTS:
                raise BillingSettingsError(_("the KID layout must be invoice or customer_invoice, not {layout}",
                                             layout=value))
        elif name == "due_days":
            try:
                value = int(str(value).strip())
            except ValueError:
                value = -1
            if not 0 <= value <= DUE_DAYS_MAX:
                raise BillingSettingsError(_("days to the due date must be a whole number from 0 to {most}",
                                             most=DUE_DAYS_MAX))
        elif name == "vat_rate":
            value = _decimal(value, "VAT rate")
            if value > 1:  # typed as a percentage: 25 means 25 %
                value = value / 100
            if not 0 <= value < 1 or value != value.quantize(Decimal("0.0001")):
                raise BillingSettingsError(_("VAT rate: {value} must be from 0 to 100 %, e.g. 25 or 0.25",
                                             value=changes[name]))
            value = value.quantize(Decimal("0.0001"))
        elif name == "line_text":
            value = None if value is None or not str(value).strip() else str(value).strip()
            if value is not None and (len(value) > LINE_TEXT_MAX or "\n" in value or "\r" in value):
                raise BillingSettingsError(_("the line text must be one line of up to {most} characters",
                                             most=LINE_TEXT_MAX))
        values[name] = value
    return replace(current, **values)


def _shown(value: object) -> str:
    return "(none)" if value is None else str(value)


def save(store: Store, scope: Scope, by: str | None = None, **changes: object) -> BillingSettings:
    """Change some settings (the system owner's alone), logged field by field; returns the settings now.
    A change to the same value is no change and is not logged."""
    if not scope.is_system_owner:
        raise BillingSettingsError(_("only the system owner changes the billing settings"))
    who = by or scope.username
    with store.transaction() as cur:
        before = read(store)
        after = checked(before, **changes)
        changed = [f.name for f in fields(BillingSettings) if f.name in EDITABLE
                   and getattr(before, f.name) != getattr(after, f.name)]
        if not changed and before.updated_at is not None:
            return before
        cur.execute(query_text("billing_settings_save"),
                    {name: getattr(after, name) for name in EDITABLE} | {"updated_by": who})
        for name in changed:
            cur.execute(query_text("billing_settings_change_add"), {
                "changed_by": who, "detail": f"{name}: {_shown(getattr(before, name))} -> "
                                             f"{_shown(getattr(after, name))}"})
    return read(store)


def changes(store: Store) -> list[tuple[datetime, str, str]]:
    """The change record, newest first: (when, who, what in English)."""
    return [tuple(r) for r in store.rows("billing_settings_changes_list")]


def describe(settings: BillingSettings) -> list[tuple[str, str]]:
    """The settings in words (the command line's `billing settings`): (what, value)."""
    return [
        (_("Payer rule"), settings.payer_rule),
        (_("Minimum amount"), str(settings.minimum_amount)),
        (_("Account number"), kid.account_text(settings.account_number) if settings.account_number
         else _("(not set)")),
        (_("KID method"), settings.kid_method),
        (_("KID layout"), settings.kid_layout),
        (_("Days to the due date"), str(settings.due_days)),
        (_("VAT rate"), f"{settings.vat_rate * 100:g} %"),
        (_("Line text"), settings.line_text or DEFAULT_LINE_TEXT),
    ]


def coop_language() -> str:
    """The co-op's default language (the accounts file's default_language; nb when there is no file): the
    language a run's stored line texts and the e-mails to owners without one of their own are in."""
    try:
        return accounts.default_language(accounts.load_config())
    except accounts.AccountsFileError:
        return i18n.DEFAULT_LANGUAGE

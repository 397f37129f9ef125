"""The `forms` section of a `--fill` run's report: per page, each field typed into (selector,
what it was taken for, the value typed: masked like every value unless `--show-values`) and the
forms submitted, so a reader sees what was tried where nothing leaked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pixelhelper.inspect.leaks import CATEGORIES

if TYPE_CHECKING:
    from pixelhelper.redact import Masker


def forms_section(fills: list[Any]) -> list[dict[str, Any]]:
    """The section from `fill.PageFill`s (raw values: `shown_forms` masks them)."""
    return [
        {
            "page": page.page,
            "fields": [
                {"selector": f.selector, "classified_as": f.classified_as, "value": f.value}
                for f in page.fields
            ],  # fmt: skip
            "submitted": list(page.submitted),
        }
        for page in fills
    ]


def shown_forms(forms: list[dict[str, Any]], masker: Masker | None) -> list[dict[str, Any]]:
    """The section as it may be printed: each typed value masked by its kind, the page URL
    like every page URL (`masker` None: `--show-values`)."""
    from pixelhelper.redact import mask, redact_value

    out = []
    for page in forms:
        fields = []
        for item in page.get("fields") or []:
            kind = str(item.get("classified_as") or "")
            value = str(item.get("value") or "")
            shown = value if masker is None else mask(value, CATEGORIES.get(kind, kind))
            fields.append({**item, "value": redact_value(shown, None)})
        page_url = redact_value(str(page.get("page") or ""), masker)
        out.append({**page, "page": page_url, "fields": fields})
    return out


def shown_identity(identity: dict[str, Any], masker: Masker | None) -> dict[str, Any]:
    """The test identity as it may be printed: its file, and each value masked by its kind
    (raw with `--show-values`)."""
    from pixelhelper.redact import mask

    values = identity.get("values") or {}
    shown = {
        name: value if masker is None else mask(str(value), CATEGORIES.get(name, name))
        for name, value in values.items()
    }
    return {"file": str(identity.get("file") or ""), "values": shown}

"""Parameter level: value, currency, content type, contents and content ids."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pixelhelper.inspect.rules.reference import (
    _is_conversion,
    _number,
    _props,
    reference,
)
from pixelhelper.inspect.rules.registry import (
    RuleContext,
    event_rule,
    finding,
)

if TYPE_CHECKING:
    from pixelhelper.models import Finding, PixelEvent


@event_rule("missing-value", "high", "A value-bearing event has no value", "parameter")
def missing_value(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """Purchase, CompletePayment and PlaceAnOrder carry the order total in `value`. Without it,
    value-based optimisation and ROAS reporting have nothing to work with.

    Fix: add `value` (the order total as a number) and `currency` to the event's parameters.
    """
    value_event = (event.event or "") in reference().value_events
    if _is_conversion(event) and value_event and _props(event).get("value") in (None, ""):
        yield finding(
            "missing-value",
            index,
            event.pixel_code,
            "properties.value",
            f"{event.event} has no 'value'; add the order total as a number "
            "(e.g. value: 24.90) so ROAS can be measured.",
        )


@event_rule("missing-currency", "high", "A value is sent without a currency", "parameter")
def missing_currency(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """TikTok needs `currency` (ISO 4217) with every `value`, and on every value-bearing event.
    A value without a currency cannot be converted, so it is dropped from ROAS.

    Fix: add `currency` (e.g. 'USD') next to `value`.
    """
    if not _is_conversion(event):
        return
    props = _props(event)
    value_event = (event.event or "") in reference().value_events
    has_value = props.get("value") not in (None, "")
    if (value_event or has_value) and props.get("currency") in (None, ""):
        yield finding(
            "missing-currency",
            index,
            event.pixel_code,
            "properties.currency",
            f"{event.event or 'The event'} has no 'currency'; add an ISO 4217 code such as "
            "'USD' next to 'value'.",
        )


@event_rule("invalid-value", "high", "value is not a number >= 0", "parameter")
def invalid_value(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """`value` must be a number of at least 0 (a numeric string such as "24.90" is accepted).
    Text like "24,90", "$24.90" or a negative amount is rejected by TikTok and the event's value
    is lost.

    Fix: send the plain number, with a dot as decimal separator and no currency symbol.
    """
    if not _is_conversion(event):
        return
    value = _props(event).get("value")
    if value in (None, ""):
        return
    number = _number(value)
    if number is None or number < 0:
        yield finding(
            "invalid-value",
            index,
            event.pixel_code,
            "properties.value",
            f"value {value!r} is not a number >= 0; send a plain number like 24.90.",
            value,
        )


@event_rule("invalid-currency", "high", "currency is not a supported ISO 4217 code", "parameter")
def invalid_currency(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """TikTok accepts 62 ISO 4217 currency codes, upper case (USD, EUR, GBP, JPY, ...). Any other
    text, a lower-case code or a symbol makes the value unusable.

    Fix: send one of the supported three-letter codes in upper case.
    """
    if not _is_conversion(event):
        return
    currency = _props(event).get("currency")
    if currency in (None, ""):
        return
    if not isinstance(currency, str) or currency not in reference().currencies:
        hint = ""
        if isinstance(currency, str) and currency.strip().upper() in reference().currencies:
            hint = f" Use '{currency.strip().upper()}'."
        yield finding(
            "invalid-currency",
            index,
            event.pixel_code,
            "properties.currency",
            f"currency {currency!r} is not one of TikTok's supported ISO 4217 codes.{hint}",
            currency,
        )


@event_rule(
    "invalid-content-type", "medium", "content_type is not product or product_group", "parameter"
)
def invalid_content_type(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """`content_type` must be `product` (the ids are SKUs) or `product_group` (the ids are item
    groups). Other values break catalogue matching for Video Shopping Ads.

    Fix: send content_type 'product' or 'product_group'.
    """
    if not _is_conversion(event):
        return
    props = _props(event)
    places: list[tuple[str, Any]] = [("properties.content_type", props.get("content_type"))]
    contents = props.get("contents")
    if isinstance(contents, list):
        for i, item in enumerate(contents):
            if isinstance(item, dict):
                places.append((f"properties.contents[{i}].content_type", item.get("content_type")))
    for location, value in places:
        if value is not None and value not in ("product", "product_group"):
            yield finding(
                "invalid-content-type",
                index,
                event.pixel_code,
                location,
                f"content_type {value!r} must be 'product' or 'product_group'.",
                value,
            )


@event_rule(
    "invalid-contents", "medium", "contents is not a list of objects with content_id", "parameter"
)
def invalid_contents(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """`contents` lists the products of the event: an array of objects, each with at least
    `content_id` (and ideally `content_name`, `price`, `quantity`). A string, an object, or
    items without `content_id` cannot be matched to the catalogue.

    Fix: send contents: [{content_id: 'SKU-1', quantity: 1, price: 24.9}, ...].
    """
    if not _is_conversion(event):
        return
    contents = _props(event).get("contents")
    if contents is None:
        return
    if not isinstance(contents, list):
        yield finding(
            "invalid-contents",
            index,
            event.pixel_code,
            "properties.contents",
            f"contents is a {type(contents).__name__}, not an array of objects.",
            contents,
        )
        return
    for i, item in enumerate(contents):
        if not isinstance(item, dict):
            yield finding(
                "invalid-contents",
                index,
                event.pixel_code,
                f"properties.contents[{i}]",
                f"contents[{i}] is not an object; each item needs a content_id.",
                item,
            )
        elif item.get("content_id") in (None, ""):
            yield finding(
                "invalid-contents",
                index,
                event.pixel_code,
                f"properties.contents[{i}]",
                f"contents[{i}] has no content_id; add the product's SKU or id.",
            )


@event_rule(
    "content-ids-shape", "medium", "content_id / content_ids in the wrong form", "parameter"
)
def content_ids_shape(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """At the event level TikTok documents `content_ids` (plural: an id or an array of ids);
    inside each `contents` item it documents `content_id` (singular). A singular `content_id`
    at the event level, a plural `content_ids` inside an item, or `content_ids` that is neither
    an id nor an array of ids is not read as intended.

    Fix: use properties.content_ids = ['SKU-1', 'SKU-2'] or contents[].content_id = 'SKU-1'.
    """
    if not _is_conversion(event):
        return
    props = _props(event)
    if "content_id" in props and "content_ids" not in props and "contents" not in props:
        yield finding(
            "content-ids-shape",
            index,
            event.pixel_code,
            "properties.content_id",
            "TikTok documents 'content_ids' (plural) at the event level and 'content_id' inside "
            "contents[]; Events Manager still reads a top-level content_id, so this is advice.",
            props["content_id"],
            severity="low",
        )
    ids = props.get("content_ids")
    if ids is not None and not (
        isinstance(ids, str | int)
        or (isinstance(ids, list) and all(isinstance(x, str | int) for x in ids))
    ):
        yield finding(
            "content-ids-shape",
            index,
            event.pixel_code,
            "properties.content_ids",
            "content_ids must be an id or an array of ids.",
            ids,
        )
    contents = props.get("contents")
    if isinstance(contents, list):
        for i, item in enumerate(contents):
            if isinstance(item, dict) and "content_ids" in item and "content_id" not in item:
                yield finding(
                    "content-ids-shape",
                    index,
                    event.pixel_code,
                    f"properties.contents[{i}].content_ids",
                    "Inside contents[] the key is 'content_id' (singular).",
                    item["content_ids"],
                )

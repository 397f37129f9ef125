"""`pixelhelper diff OLD NEW`: what changed between two recorded sessions.

Both sides are judged reports (captures are audited first; a JSON report is read as is).
Pages are compared by their shape (URL without query values), so two recordings of the same
journey line up: pixels added or removed, events added or removed per page, parameters
changed per page and event (added, removed, or of another JSON type), and findings added,
removed or changed by fingerprint.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pixelhelper.output.terminal import neutralise
from pixelhelper.policy import fingerprint


def session_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The differences between two reports, as JSON-able data."""
    old_pixels, new_pixels = _pixels(old), _pixels(new)
    old_events, new_events = _events(old), _events(new)
    pages: list[dict[str, Any]] = []
    for page in sorted(set(old_events) | set(new_events)):
        before, after = old_events.get(page, Counter()), new_events.get(page, Counter())
        added, removed = after - before, before - after
        if added or removed:
            pages.append({"page": page, "added": sorted(added.elements()),
                          "removed": sorted(removed.elements())})  # fmt: skip
    old_params, new_params = _params(old), _params(new)
    params = []
    for key in sorted(set(old_params) & set(new_params)):
        was, now = old_params[key], new_params[key]
        added_p = sorted(set(now) - set(was))
        removed_p = sorted(set(was) - set(now))
        retyped = sorted(n for n in set(was) & set(now) if was[n] != now[n])
        if added_p or removed_p or retyped:
            params.append({"page": key[0], "event": key[1], "added": added_p,
                           "removed": removed_p, "changed": retyped})  # fmt: skip
    old_findings, new_findings = _findings(old), _findings(new)
    changed = [
        {"fingerprint": fp, "before": _brief(old_findings[fp]), "after": _brief(new_findings[fp])}
        for fp in sorted(set(old_findings) & set(new_findings))
        if _brief(old_findings[fp])["severity"] != _brief(new_findings[fp])["severity"]
    ]
    failing_new = set(_failing_fingerprints(new)) - set(old_findings)
    return {
        "pixels": {"added": sorted(new_pixels - old_pixels),
                   "removed": sorted(old_pixels - new_pixels)},
        "events": pages,
        "params": params,
        "findings": {
            "added": [_brief(new_findings[fp]) | {"fingerprint": fp, "failing": fp in failing_new}
                      for fp in sorted(set(new_findings) - set(old_findings))],
            "removed": [_brief(old_findings[fp]) | {"fingerprint": fp}
                        for fp in sorted(set(old_findings) - set(new_findings))],
            "changed": changed,
        },
        "new_failing": len(failing_new),
    }  # fmt: skip


def _pixels(report: dict[str, Any]) -> set[str]:
    return {str(p.get("code")) for p in report.get("pixels") or [] if p.get("code")}


def _events(report: dict[str, Any]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for event in report.get("events") or []:
        if event.get("kind") in ("pixel", "events_api", "action") and event.get("event"):
            out[fingerprint.page_shape(event.get("page_url"))][str(event["event"])] += 1
    return out


def _params(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, frozenset[str]]]:
    """(page, event) -> parameter name -> the JSON types its values had (a value that turns
    from a number into a string is a changed parameter; prices changing are not)."""
    out: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for event in report.get("events") or []:
        properties = event.get("properties")
        if event.get("event") and isinstance(properties, dict):
            key = (fingerprint.page_shape(event.get("page_url")), str(event["event"]))
            for name, value in properties.items():
                out[key][str(name)].add(_json_type(value))
    return {key: {n: frozenset(t) for n, t in names.items()} for key, names in out.items()}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"


def _findings(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    prints = fingerprint.of_report(report)
    events = report.get("events") or []
    out: dict[str, dict[str, Any]] = {}
    for fp, item in zip(prints, report.get("findings") or [], strict=True):
        index = item.get("event")
        event = events[index] if isinstance(index, int) and 0 <= index < len(events) else {}
        out.setdefault(
            fp, {**item, "page_url": event.get("page_url"), "event_name": event.get("event")}
        )
    return out


def _failing_fingerprints(report: dict[str, Any]) -> list[str]:
    prints = fingerprint.of_report(report)
    failing = (report.get("policy") or {}).get("failing") or []
    return [prints[i] for i in failing if isinstance(i, int) and 0 <= i < len(prints)]


def _brief(item: dict[str, Any]) -> dict[str, Any]:
    return {key: item.get(key) for key in BRIEF}


BRIEF = ("rule", "severity", "category", "pixel_code", "page_url", "event_name", "location",
         "message")  # fmt: skip


def render_text(diff: dict[str, Any]) -> str:
    """The differences for a person."""
    lines: list[str] = []
    pixels = diff["pixels"]
    for code in pixels["added"]:
        lines.append(f"+ pixel {code}")
    for code in pixels["removed"]:
        lines.append(f"- pixel {code}")
    for page in diff["events"]:
        for name in page["added"]:
            lines.append(f"+ event {name} on {page['page']}")
        for name in page["removed"]:
            lines.append(f"- event {name} on {page['page']}")
    for change in diff["params"]:
        for name in change["added"]:
            lines.append(f"+ param {name} of {change['event']} on {change['page']}")
        for name in change["removed"]:
            lines.append(f"- param {name} of {change['event']} on {change['page']}")
        for name in change.get("changed", []):
            lines.append(
                f"~ param {name} of {change['event']} on {change['page']}: its type changed"
            )
    for item in diff["findings"]["added"]:
        flag = " FAILING" if item.get("failing") else ""
        lines.append(f"+ finding{flag} {item['severity']} {item['rule']} at {item['location']} "
                     f"on {item.get('page_url') or '(no page)'}: {item['message']}")  # fmt: skip
    for item in diff["findings"]["removed"]:
        lines.append(f"- finding {item['severity']} {item['rule']} at {item['location']} "
                     f"on {item.get('page_url') or '(no page)'}")  # fmt: skip
    for change in diff["findings"]["changed"]:
        before, after = change["before"], change["after"]
        lines.append(f"~ finding {after['rule']} at {after['location']}: {before['severity']} -> "
                     f"{after['severity']}")  # fmt: skip
    if not lines:
        lines.append("no differences")
    lines.append(f"{diff['new_failing']} new failing finding(s)")
    return "\n".join(neutralise(line) for line in lines) + "\n"

"""Journey files: every step kind is read, and every mistake is named by step and key."""

from __future__ import annotations

import pytest

from pixelhelper.errors import ConfigError
from pixelhelper.journey.log import JourneyLog, StepLog
from pixelhelper.journey.model import ACTIONS, load_journey

HEAD = 'name = "Checkout"\nstart = "https://shop.example/"\n'
EVERY_KIND = (
    HEAD
    + """
[[step]]
goto = "/product"
[[step]]
click = "text=Add to cart"
timeout = 5
[[step]]
fill = "#email"
identity = "email"
[[step]]
fill = "#coupon"
value = "WELCOME10"
[[step]]
press = "Enter"
[[step]]
select = "#size"
option = "M"
[[step]]
check = "#terms"
[[step]]
submit = "form#order"
[[step]]
wait_for = ".thanks"
[[step]]
wait = 1.5
[[step]]
consent = "reject"
[[step]]
fill_forms = true
[[step]]
mark = "thank you"
"""
)


def write(tmp_path, text):
    path = tmp_path / "journey.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_step_kind_is_read_in_order(tmp_path):
    journey = load_journey(write(tmp_path, EVERY_KIND))
    kinds = [s.kind for s in journey.steps]
    assert kinds[:3] + kinds[4:] == list(ACTIONS) and kinds[3] == "fill"
    assert journey.steps[1].timeout == 5
    assert journey.needs_identity() and journey.consent_action() == "reject"
    # a typed value is never part of a step's description (it may be a password)
    assert journey.steps[3].target == "#coupon <- 9 characters"
    assert journey.steps[2].target == "#email <- email"


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ('[[step]]\nclick = "#a"\n[[step]]\nclick = "#b"\nwait = 2\n', "step 2 (click): give exactly one"),
        ('[[step]]\nfill = "#a"\n', "step 1 (fill): `fill` needs exactly one of `value` and `identity`"),
        ('[[step]]\nfill = "#a"\nvalue = "x"\nidentity = "email"\n', "step 1 (fill): `fill` needs exactly one"),
        ('[[step]]\nclick = "#a"\ntimeout = -1\n', "step 1 (click): `timeout`"),
        ('[[step]]\nfill = "#a"\nidentity = "ssn"\n', "step 1 (fill): `identity`"),
        ('[[step]]\nclik = "#a"\n', "step 1: `clik`: Extra inputs are not permitted"),
        ('[[step]]\nselect = "#size"\n', "step 1 (select): `select` needs the `option`"),
        ('[[step]]\nclick = "#a"\noption = "M"\n', "`option` goes with `select`, not `click`"),
        ('[[step]]\nconsent = "maybe"\n', "step 1 (consent): `consent`"),
        ('[[step]]\nconsent = "reject"\n[[step]]\nconsent = "accept"\n', "step 2 (consent): a journey answers the banner one way"),
        ('[[step]]\nfill_forms = false\n', "step 1 (fill_forms): `fill_forms`"),
        ('[[step]]\nwait = 100000\n', "step 1 (wait): `wait`"),
        ("[[step]]\n", "step 1: give exactly one of"),
    ],
)  # fmt: skip
def test_a_mistake_names_the_step_and_the_key(tmp_path, steps, expected):
    with pytest.raises(ConfigError) as caught:
        load_journey(write(tmp_path, HEAD + steps))
    message = str(caught.value)
    assert expected in message and str(tmp_path / "journey.toml") in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('start = "https://a/"\n', "`name`: Field required"),
        ('name = "x"\n', "`start`: Field required"),
        ('name = "x"\nstart = "https://a/"\nsteps = 3\n', "`steps`: Extra inputs"),
        ("name = [", "not valid TOML"),
    ],
)
def test_a_bad_file_is_named(tmp_path, text, expected):
    with pytest.raises(ConfigError, match="journey file") as caught:
        load_journey(write(tmp_path, text))
    assert expected in str(caught.value)


def test_a_huge_or_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="journey file"):
        load_journey(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="journey file"):
        load_journey(write(tmp_path, HEAD + "# " + "x" * 300_000))


def test_each_hit_belongs_to_the_step_under_way():
    log = JourneyLog(name="j", start="https://a/", steps=[
        StepLog(index=0, kind="start", target="https://a/", started=100.0, status="ok"),
        StepLog(index=1, kind="click", target="#a", started=105.0, status="ok"),
        StepLog(index=2, kind="click", target="#b", started=110.0, status="failed"),
        StepLog(index=3, kind="click", target="#c"),  # never ran: no time
    ])  # fmt: skip
    assert log.step_at(99.0) is None and log.step_at(None) is None
    assert [log.step_at(t) for t in (100.0, 104.9, 105.0, 200.0)] == [0, 0, 1, 2]
    assert log.status == "failed" and log.failed is not None and log.failed.index == 2


def test_the_usual_words_for_identity_fields_are_understood(tmp_path):
    steps = "".join(f'[[step]]\nfill = "#f{n}"\nidentity = "{word}"\n'
                    for n, word in enumerate(("name", "ZIP", "address", "dob", "tel")))  # fmt: skip
    journey = load_journey(write(tmp_path, HEAD + steps))
    assert [s.identity for s in journey.steps] == [
        "full_name", "postal_code", "street", "date_of_birth", "phone"]  # fmt: skip

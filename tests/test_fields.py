import base64
import json

from pixelhelper.inspect.fields import event_fields

from flowfactory import payload_event


def _fields(payload):
    event = payload_event(payload)
    return {f.location: f.text for f in event_fields(event)}


def test_urls_are_split_into_path_and_decoded_parameters():
    got = _fields(
        {"context": {"page": {"url": "https://a.example/p/x?email=j%40a.example&q=a+b#frag=1"}}}
    )
    assert got == {
        "context.page.url": "/p/x",
        "context.page.url?email": "j@a.example",
        "context.page.url?q": "a b",
        "context.page.url#frag": "1",
    }


def test_json_inside_strings_and_base64_are_unwrapped():
    blob = base64.b64encode(json.dumps({"who": "someone"}).encode()).decode()
    got = _fields(
        {
            "auto_collected_properties": {
                "content_data": {"meta": json.dumps({"title": "Home"}), "state": blob}
            }
        }
    )
    assert got["auto_collected_properties.content_data.meta.title"] == "Home"
    assert got["auto_collected_properties.content_data.state(base64).who"] == "someone"


def test_sdk_bookkeeping_is_flagged_and_numbers_are_filtered():
    event = payload_event(
        {
            "message_id": "messageId-1-2",
            "context": {"session_id": "x", "userAgent": "UA"},
            "properties": {
                "price": 24.9,
                "value": 1299.99,
                "quantity": 3,
                "phone": 4155550132,
                "lat": 37.42221,
            },
        }
    )
    fields = event_fields(event)
    site = {f.location: f.text for f in fields if not f.sdk}
    sdk = {f.location: f.text for f in fields if f.sdk}
    assert site == {"properties.phone": "4155550132", "properties.lat": "37.42221"}
    assert sdk == {}  # SDK fields are checked for emails only: nothing to emit here
    leaky = event_fields(payload_event({"context": {"session_id": "mail jo@example.com"}}))
    assert [(f.location, f.sdk) for f in leaky] == [("context.session_id", True)]


def test_no_depth_hides_a_value():
    deep: object = {"email": "deep@example.com"}
    for _ in range(90):
        deep = {"x": deep}
    inner: object = json.dumps({"v": "deep@example.com"})
    for _ in range(150):  # JSON nested 150 levels inside one string: past the unwrap bound
        inner = {"v": inner}
    wrapped = json.dumps(inner)
    got = [f for f in event_fields(payload_event({"a": deep, "b": wrapped}))]
    assert any(f.text == "deep@example.com" and f.location.endswith(".x.email") for f in got)
    assert any("deep@example.com" in f.text and f.location.startswith("b") for f in got)


def test_the_recursive_walk_and_the_stack_walk_agree_past_the_recursion_bound():
    from pixelhelper.inspect import fields as walk

    payload: object = {"email": "deep@example.com", "n": [1, {"phone": "+1 212 555 0142"}]}
    for level in range(walk._RECURSE + 40):  # deeper than the recursive walk goes
        payload = {f"k{level % 3}": payload, "list": [f"x{level}@example.com"], "none": None}
    event = payload_event(payload)
    got = walk.event_fields(event)
    stacked = walk._Fields()
    stacked._walk(event.payload, "", ())
    assert [(f.location, f.text, f.parents) for f in got] == [
        (f.location, f.text, f.parents) for f in stacked.out
    ]
    assert any(f.text == "deep@example.com" for f in got)

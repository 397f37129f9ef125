"""Property tests: the decoder never raises, whatever bytes or JSON arrive."""

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pixelhelper.capture import CapturedRequest
from pixelhelper.decode import decode

URLS = [
    "https://analytics.tiktok.com/api/v2/pixel",
    "https://analytics.tiktok.com/api/v2/pixel/act",
    "https://analytics.tiktok.com/api/v1/track",
    "https://analytics.tiktok.com/api/v2/pixel/inter",
    "https://business-api.tiktok.com/open_api/v1.3/event/track/",
    "https://business-api.tiktok.com/open_api/v1.3/pixel/batch/",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                [
                    "event",
                    "context",
                    "data",
                    "batch",
                    "events",
                    "user",
                    "page",
                    "pixel",
                    "properties",
                    "action",
                    "auto_collected_properties",
                    "trigger_element",
                    "content_data",
                    "url",
                    "code",
                    "codes",
                    "event_time",
                    "timestamp",
                    "x",
                ]
            )
            | st.text(max_size=5),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=2048),
    url=st.sampled_from(URLS),
    encoding=st.sampled_from([None, "gzip", "br", "deflate", "zstd", "bogus"]),
)
@example(body=b"\x1f\x8b\x08\x00", url=URLS[0], encoding="gzip")
def test_arbitrary_bytes_never_raise(body, url, encoding):
    headers = (("Content-Encoding", encoding),) if encoding else ()
    events = decode(CapturedRequest("POST", url, headers, body))
    assert events
    for event in events:
        event.model_dump_json()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, url=st.sampled_from(URLS))
def test_arbitrary_json_never_raises(value, url):
    events = decode(CapturedRequest("POST", url, (), json.dumps(value).encode()))
    assert events
    for event in events:
        event.model_dump_json()

"""The rule ids of policy checks (`pixelhelper check`), registered for `rules`, SARIF and JUnit.

The checks themselves live in `pixelhelper.policy.checks`: they need a policy, which a plain
audit does not have. Their findings have category `policy` and always fail the check unless an
`[[ignore]]` accepts them: the policy asked for exactly this.
"""

from __future__ import annotations

from pixelhelper.inspect.rules.registry import describe

describe(
    "unexpected-pixel",
    "high",
    "A pixel code the policy does not allow",
    "A TikTok pixel that is not in the policy's `[pixels].allowed` list loaded or sent "
    "events. An unknown pixel sends the site's visitors to someone else's ad account: a "
    "leftover test pixel, an agency's pixel, or a tag injected through a third-party "
    "script.\n\nFix: remove the pixel from the site (or its tag manager), or add its code "
    "to `[pixels].allowed` if it is the site's own.",
    "policy",
)
describe(
    "pixel-on-forbidden-page",
    "critical",
    "A pixel fired on a page the policy forbids",
    "A TikTok pixel loaded or sent events on a page matching `[pages].forbidden`. Such pages "
    "(patient portals, clinical areas, children's sections, account pages) must not be "
    "tracked: that a visitor was there is itself sensitive, and regulators have fined "
    "exactly this.\n\nFix: exclude these pages from the pixel in the tag manager or the "
    "site's templates, and confirm with a new capture.",
    "policy",
)
describe(
    "required-event-missing",
    "high",
    "An event the policy requires was not sent",
    "A `[[require]]` entry names an event that must be sent on pages matching its `page` "
    "glob, and a visit to such a page did not send it (or no such page was visited at "
    "all). A missing conversion event breaks attribution and campaign optimisation.\n\n"
    "Fix: restore the event on that page (`ttq.track(...)`), or record a session that "
    "reaches the page.",
    "policy",
)
describe(
    "required-param-missing",
    "high",
    "A required event lacks a parameter the policy requires",
    "A `[[require]]` entry lists `params` that its event must carry in `properties`, and an "
    "event sent on a matching page lacks one (absent, null or empty). Without `value` and "
    "`currency` a purchase cannot be valued.\n\nFix: pass the parameter with the event.",
    "policy",
)
describe(
    "expired-ignore",
    "high",
    "An `[[ignore]]` entry is past its `until` date",
    "An accepted finding was accepted until a date that has passed. The ignore no longer "
    "applies, so the findings it covered count again, and this finding says so.\n\nFix: "
    "fix what it covered, or renew the ignore with a new `until` and an up-to-date "
    "`reason`.",
    "policy",
)
describe(
    "consent-mode-missing",
    "high",
    "A consent mode the policy requires was not recorded",
    "The policy's `[consent].modes` lists consent modes (`none`, `reject`, `accept`, `gpc`) "
    "the checked traffic must have been recorded in, and the capture holds no visit in one "
    "of them. A capture recorded without a reject or GPC visit cannot show that the site "
    "respects a refusal, so the check cannot pass on it.\n\nFix: record the traffic with "
    "`pixelhelper scan URL --consent reject,gpc` (or `crawl --consent`) and check that "
    "capture; keep the `.consent.json` file beside it.",
    "policy",
)

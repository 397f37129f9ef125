"""Policy as code for CI: what a site allows, requires and accepts (`pixelhelper check`).

`model` reads and validates the policy file, `globs` matches pages, `checks` runs the
policy's own rules, `fingerprint` and `baseline` say which findings are new, `verdict` judges
every finding, `diff` compares two sessions and `starter` writes a first policy.
"""

from __future__ import annotations

from pixelhelper.policy.model import Policy, PolicyError, load_policy, parse_policy

__all__ = ["Policy", "PolicyError", "load_policy", "parse_policy"]

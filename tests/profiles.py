"""How many examples the property tests try. They are derandomized, so each run tries the same
ones: `make test` a quarter of each property's examples, `pytest --hypothesis-profile=thorough` all
of them (worth it after a change to what the properties cover, such as the event parsing)."""

from __future__ import annotations

from hypothesis import settings

THOROUGH_EXAMPLES = 400
settings.register_profile("thorough", max_examples=THOROUGH_EXAMPLES)  # before pytest loads a profile


def examples(thorough: int) -> int:
    """A property's number of examples under the loaded profile: `thorough` under the thorough
    profile, a quarter of it under Hypothesis's default (100 of 400)."""
    return max(thorough * settings().max_examples // THOROUGH_EXAMPLES, 1)  # settings(): the loaded profile

"""What a site profile says, as plain immutable records (built by ``profile.py``).

The claim and internal-check specs are read by the extractors and the checks;
they hold compiled patterns and parameters, never a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """The wiki: its address, former addresses, time zone, language, archive chrome."""

    name: str
    url: str
    old_hosts: tuple[str, ...]
    time_zone: str
    lang: str
    archive_chrome: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class ClaimSpec:
    """One published figure: how to find it and how to recompute it."""

    claim_id: str
    label: str
    find: re.Pattern[str] | None
    form: str
    unit: str
    qualifier: str | None
    recompute: str | None
    params: Mapping[str, Any]
    line_has: str = ""
    section: str = ""


@dataclass(frozen=True, slots=True)
class InternalSpec:
    """One internal check: a claim against the report's other figures or lines."""

    check_id: str
    claim: str
    check: str
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Registry:
    """The claims of one report and its internal checks: what checks iterate over."""

    claims: tuple[ClaimSpec, ...]
    internal: tuple[InternalSpec, ...]

    def claim(self, claim_id: str) -> ClaimSpec | None:
        """The spec a claim id comes from (``online:x`` from the table claim ``online``)."""
        base = claim_id.split(":", 1)[0]
        return next((c for c in self.claims if c.claim_id == base), None)

"""The IDC categorization of particulate samples, levels 1 to 5.

After the IDC scheme (CTBT/PTS/INF.96 and its successors; summarised e.g. in Schulze,
Auer and Werzi, Appl. Radiat. Isot. 53 (2000) 23-30, and used with De Geer's (2001) list of
CTBT-relevant nuclides):

1. only natural nuclides, in their normal concentration ranges;
2. a natural nuclide above its normal range;
3. CTBT-relevant anthropogenic nuclides, all within the station's normal ranges;
4. one CTBT-relevant nuclide at an anomalous concentration;
5. several CTBT-relevant nuclides anomalous, at least one of them a fission product.

The normal ranges come from the station's history (``AnalysisConfig.normal_ranges``); a
nuclide without history is anomalous whenever detected (the conservative choice).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from openndc.model.radionuclide import IdentifiedNuclide

__all__ = ["categorize"]


def _abnormal(n: IdentifiedNuclide, normal: Mapping[str, float]) -> bool:
    if n.nuclide not in normal:
        return True
    c, upper = n.concentration, normal[n.nuclide]
    if math.isinf(upper):
        return False  # always seen at this station
    return not math.isfinite(c) or c > upper


def categorize(
    nuclides: Sequence[IdentifiedNuclide], normal: Mapping[str, float]
) -> tuple[int, str]:
    """(level, reason) of a sample from its identified nuclides."""
    relevant = [n for n in nuclides if n.ctbt_relevant]
    if not relevant:
        high = [n.nuclide for n in nuclides if n.nuclide in normal and _abnormal(n, normal)]
        if high:
            return 2, "natural nuclide(s) above the normal range: " + ", ".join(high)
        return 1, "natural nuclides only, within normal ranges"
    abnormal = [n for n in relevant if _abnormal(n, normal)]
    names = ", ".join(n.nuclide for n in abnormal)
    if not abnormal:
        return 3, "CTBT-relevant nuclide(s) within the station's normal ranges: " + ", ".join(
            n.nuclide for n in relevant
        )
    fission = [n for n in abnormal if n.category == "fission"]
    if len(abnormal) >= 2 and fission:
        return 5, f"multiple anomalous CTBT-relevant nuclides incl. fission products: {names}"
    return 4, f"anomalous CTBT-relevant nuclide(s): {names}"

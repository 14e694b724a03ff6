"""Charts drawn by us as inline SVG: no script, no library, nothing fetched.

Readable in print and without colour: every bar carries its own fill pattern (solid, hatched,
dotted, cross-hatched...) as well as a shade, its value is written on it, its category under it,
and the figure has a text title; the page shows the same numbers in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

# (pattern id, SVG of one 8x8 tile); the last is solid
_PATTERNS = (
    ("p-solid", ""),
    ("p-diag", '<path d="M0,8 L8,0 M-2,2 L2,-2 M6,10 L10,6" stroke="#1f2937" stroke-width="1.4"/>'),
    ("p-dots", '<circle cx="4" cy="4" r="1.6" fill="#1f2937"/>'),
    ("p-cross", '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#1f2937" stroke-width="1"/>'),
    ("p-horiz", '<path d="M0,4 L8,4" stroke="#1f2937" stroke-width="1.6"/>'),
    ("p-vert", '<path d="M4,0 L4,8" stroke="#1f2937" stroke-width="1.6"/>'),
    ("p-grid", '<path d="M0,4 L8,4 M4,0 L4,8" stroke="#1f2937" stroke-width="1"/>'),
)
_SHADES = ("#2563eb", "#93c5fd", "#f59e0b", "#ef4444", "#a855f7", "#10b981", "#6b7280")


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    text: str  # the value as the page prints it (1,234.00)


def _defs(uid: str) -> str:
    tiles = []
    for i, (pid, tile) in enumerate(_PATTERNS):
        shade = _SHADES[i % len(_SHADES)]
        tiles.append(f'<pattern id="{uid}-{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
                     f'<rect width="8" height="8" fill="{shade}"/>{tile}</pattern>')
    return "<defs>" + "".join(tiles) + "</defs>"


def bar_chart(bars: Sequence[Bar], *, title: str, uid: str, width: int = 640, height: int = 260) -> Markup:
    """Vertical bars; ``uid`` keeps two charts' patterns apart on one page."""
    top, bottom, left, right = 28, 46, 12, 12
    plot_h = height - top - bottom
    n = max(len(bars), 1)
    slot = (width - left - right) / n
    bar_w = min(72.0, slot * 0.6)
    peak = max((b.value for b in bars), default=Decimal(0))
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMidYMid meet" aria-labelledby="{uid}-t">',
             f'<title id="{uid}-t">{escape(title)}</title>', _defs(uid),
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
             'stroke="#111827" stroke-width="1"/>']
    for i, bar in enumerate(bars):
        h = float(bar.value / peak) * plot_h if peak > 0 and bar.value > 0 else 0.0
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h - h
        pid = _PATTERNS[i % len(_PATTERNS)][0]
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{max(h, 0.5):.1f}" '
                     f'fill="url(#{uid}-{pid})" stroke="#111827" stroke-width="1"><title>'
                     f'{escape(bar.label)}: {escape(bar.text)}</title></rect>')
        cx = x + bar_w / 2
        parts.append(f'<text x="{cx:.1f}" y="{y - 6:.1f}" text-anchor="middle" class="chart-value">'
                     f'{escape(bar.text)}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{top + plot_h + 18:.1f}" text-anchor="middle" '
                     f'class="chart-label">{escape(bar.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))

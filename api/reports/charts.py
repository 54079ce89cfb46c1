"""Bar charts as SVG, drawn on the server: they work without JavaScript,
and a screen reader gets a title and a summary (the table beside each
chart has every figure). Colours are presentation attributes, not styles,
so the staff pages' Content-Security-Policy allows them.
"""

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 200
BAR_SPACE = 380
VALUE_SPACE = 60
COLOUR = "#1d70b8"  # GOV.UK blue
TEXT = "#0b0c0c"


def bar_chart(chart_id: str, title: str, labels: list, values: list[int], unit: str = "") -> Markup:
    """A horizontal bar chart, one bar per label, biggest value full width."""
    labels = [str(label) for label in labels]
    top = max(values) if values else 0
    height = max(1, len(values)) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_SPACE + VALUE_SPACE
    biggest = max(zip(values, labels), default=(0, ""))
    summary = (f"{len(values)} bars. Highest: {biggest[1]}, {biggest[0]}{unit}. The table beside it has every figure."
               if values else "No figures for these dates.")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" id="{escape(chart_id)}" role="img" '
             f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" viewBox="0 0 {width} {height}" '
             f'width="100%" preserveAspectRatio="xMinYMin meet">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
             f'<desc id="{escape(chart_id)}-desc">{escape(summary)}</desc>']
    for index, (label, value) in enumerate(zip(labels, values)):
        y = GAP + index * (BAR_HEIGHT + GAP)
        bar = round(BAR_SPACE * value / top) if top else 0
        short = label if len(label) <= 28 else label[:27] + "\u2026"
        parts.append(f'<g><text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.7:.0f}" text-anchor="end" '
                     f'font-size="14" fill="{TEXT}">{escape(short)}</text>'
                     f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar}" height="{BAR_HEIGHT}" fill="{COLOUR}">'
                     f'<title>{escape(label)}: {value}{escape(unit)}</title></rect>'
                     f'<text x="{LABEL_WIDTH + bar + 6}" y="{y + BAR_HEIGHT * 0.7:.0f}" font-size="14" '
                     f'fill="{TEXT}">{value}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))

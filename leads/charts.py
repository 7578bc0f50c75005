"""The team view's chart, drawn as inline SVG like the other charts (crm.charts): one bar per rep split
by follow-up status, named for screen readers; the page shows the same figures in its table."""

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from crm.charts import _svg_open
from leads.choices import FollowUpStatus

STATUS_COLOURS = {
    FollowUpStatus.TO_DO: "#b45309",
    FollowUpStatus.CONTACTED: "#1f5fbf",
    FollowUpStatus.MEETING_BOOKED: "#0f766e",
    FollowUpStatus.NOT_A_FIT: "#94a3b8",
}


def follow_up_status_bars(reps, *, title: str) -> SafeString:
    """A bar per rep (leads.services.RepProgress), as long as their follow-ups against the busiest rep's,
    split by status, with their overdue count and SLA hit rate after it."""
    label_width, bar_width, row_height, gap, legend = 110, 300, 22, 10, 26
    width = label_width + bar_width + 150
    height = legend + max(1, len(reps)) * (row_height + gap) + 8
    most = max((rep.total for rep in reps), default=0) or 1
    parts = [_svg_open(title, width, height)]
    x = 0
    for value, label in FollowUpStatus.choices:
        parts.append(
            format_html(
                '<rect x="{}" y="4" width="12" height="12" fill="{}"/><text x="{}" y="14" font-size="12" '
                'fill="#1d2430">{}</text>',
                x,
                STATUS_COLOURS[value],
                x + 16,
                label,
            )
        )
        x += 30 + 7 * len(str(label))
    for index, rep in enumerate(reps):
        y = legend + index * (row_height + gap)
        parts.append(
            format_html(
                '<text x="0" y="{}" font-size="13" fill="#1d2430">{}</text>', y + row_height * 0.7, rep.username[:14]
            )
        )
        left = float(label_width)
        for value, label in FollowUpStatus.choices:
            count = rep.by_status.get(value, 0)
            if not count:
                continue
            segment = bar_width * count / most
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} {}</title></rect>',
                    round(left, 1),
                    y,
                    round(segment, 1),
                    row_height,
                    STATUS_COLOURS[value],
                    rep.username,
                    count,
                    label,
                )
            )
            left += segment
        sla = f"{rep.sla_hit_percent}%" if rep.sla_hit_percent is not None else "—"
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" fill="#4a5566">{}</text>',
                round(left + 6, 1),
                y + row_height * 0.7,
                _("%(overdue)s overdue · SLA %(sla)s") % {"overdue": rep.overdue, "sla": sla},
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))

"""The application state machine drawn from the code (R-PIPE-2).

Walks the django-fsm transitions declared on :class:`~candidates.models.Application`
(so the picture cannot drift from the behaviour) and renders Mermaid text or a
self-contained SVG in pure Python (no graphviz binary needed). Shown in the admin
and written to docs/ by ``manage.py graph_transitions``.
"""

from html import escape

from django.utils.translation import gettext as _

from .models import INACTIVE_STATES, Application, State

BOX_W, BOX_H, COL_GAP, ROW_GAP, MARGIN = 150, 36, 40, 44, 24


def application_graph() -> dict:
    field = Application._meta.get_field("state")
    edges = []
    for t in field.get_all_transitions(Application):
        edges.append({
            "name": t.name, "source": t.source, "target": t.target, "label": str(t.custom.get("label", t.name)),
            "gated": any(getattr(c, "credential_gate", None) for c in t.conditions),
            "needs_reason": bool(t.custom.get("needs_reason")),
        })
    edges.sort(key=lambda e: (State.values.index(e["source"]), e["name"]))
    return {"states": [{"value": v, "label": str(label)} for v, label in State.choices], "edges": edges}


def mermaid(graph: dict | None = None) -> str:
    graph = graph or application_graph()
    lines = ["stateDiagram-v2", "    [*] --> new"]
    for s in graph["states"]:
        lines.append(f'    state "{s["label"]}" as {s["value"]}')
    for e in graph["edges"]:
        marks = (" 🔒" if e["gated"] else "") + (" ✎" if e["needs_reason"] else "")
        lines.append(f'    {e["source"]} --> {e["target"]} : {e["name"]}{marks}')
    lines.append("    employee --> [*]")
    return "\n".join(lines) + "\n"


def _layers(graph) -> dict[str, int]:
    """Longest-path depth from ``new`` over forward edges (edges back up the pipeline are ignored)."""
    forward = {}
    for e in graph["edges"]:
        if e["target"] not in INACTIVE_STATES and e["source"] not in INACTIVE_STATES:
            forward.setdefault(e["source"], set()).add(e["target"])
    order, on_stack, back = [], set(), set()

    def visit(node, seen=set()):  # noqa: B006 - shared on purpose within one walk
        seen.add(node)
        on_stack.add(node)
        for nxt in sorted(forward.get(node, ())):
            if nxt in on_stack:
                back.add((node, nxt))
            elif nxt not in seen:
                visit(nxt, seen)
        on_stack.discard(node)
        order.append(node)

    visit(State.NEW, set())
    depth = {State.NEW.value: 0}
    for node in reversed(order):
        for nxt in forward.get(node, ()):
            if (node, nxt) not in back:
                depth[nxt] = max(depth.get(nxt, 0), depth.get(node, 0) + 1)
    return depth


def svg(graph: dict | None = None) -> str:
    graph = graph or application_graph()
    labels = {s["value"]: s["label"] for s in graph["states"]}
    depth = _layers(graph)
    rows: dict[int, list[str]] = {}
    for value in State.values:
        if value in depth:
            rows.setdefault(depth[value], []).append(value)
    width_cols = max(len(r) for r in rows.values())
    main_w = width_cols * (BOX_W + COL_GAP)
    pos = {}
    for d, members in rows.items():
        offset = (main_w - len(members) * (BOX_W + COL_GAP)) / 2
        for i, value in enumerate(members):
            pos[value] = (MARGIN + offset + i * (BOX_W + COL_GAP), MARGIN + d * (BOX_H + ROW_GAP))
    height = MARGIN * 2 + (max(rows) + 1) * (BOX_H + ROW_GAP)
    side = [s for s in State.values if s not in pos]
    side_x = MARGIN + main_w + 2 * COL_GAP
    for i, value in enumerate(side):
        pos[value] = (side_x, MARGIN + (i + 1) * (height - 2 * MARGIN) / (len(side) + 1) - BOX_H / 2)
    width = side_x + BOX_W + 2 * MARGIN + 120

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" font-family="sans-serif" font-size="11" role="img" '
           f'aria-label="{escape(_("Application stages and the moves between them"))}">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    side_sources: dict[str, list[str]] = {}
    for e in graph["edges"]:
        (sx, sy), (tx, ty) = pos[e["source"]], pos[e["target"]]
        if e["target"] in side:
            side_sources.setdefault(e["target"], []).append(e["label"])
            out.append(f'<line x1="{sx + BOX_W:.0f}" y1="{sy + BOX_H / 2:.0f}" x2="{tx:.0f}" y2="{ty + BOX_H / 2:.0f}" '
                       'stroke="#c9c9c9" stroke-width="1" marker-end="url(#arrow)"/>')
            continue
        if ty > sy:
            x1, y1, x2, y2 = sx + BOX_W / 2, sy + BOX_H, tx + BOX_W / 2, ty
        elif ty < sy:  # a move back up (re-invite, re-activate): drawn on the left edge
            x1, y1, x2, y2 = sx, sy + BOX_H / 2, tx, ty + BOX_H / 2
        else:
            x1, y1, x2, y2 = sx + BOX_W, sy + BOX_H / 2, tx, ty + BOX_H / 2
        colour = "#b35c00" if e["gated"] else "#555"
        out.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="{colour}" '
                   f'stroke-width="1.4" marker-end="url(#arrow)"/>')
        mark = " 🔒" if e["gated"] else ""
        out.append(f'<text x="{(x1 + x2) / 2 + 4:.0f}" y="{(y1 + y2) / 2:.0f}" fill="{colour}">'
                   f'{escape(e["label"])}{mark}</text>')
    for value, (x, y) in pos.items():
        fill = "#fde8e8" if value in side else "#e8f0fe"
        out.append(f'<g data-state="{escape(value)}"><rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" '
                   f'rx="8" fill="{fill}" stroke="#4a6fa5"/>'
                   f'<text x="{x + BOX_W / 2:.0f}" y="{y + BOX_H / 2 + 4:.0f}" text-anchor="middle" font-weight="bold">'
                   f'{escape(labels[value])}</text></g>')
        if value in side_sources:
            names = ", ".join(sorted(set(side_sources[value])))
            out.append(f'<text x="{x + BOX_W + 6:.0f}" y="{y + BOX_H / 2 + 4:.0f}" fill="#888">← {escape(names)}</text>')
    legend = _("🔒 = blocked while a required credential is missing or expired (per job)")
    out.append(f'<text x="{MARGIN}" y="{height - 6:.0f}" fill="#b35c00">{escape(legend)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"

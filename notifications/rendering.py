"""Render a template for one recipient, validate HR-edited templates, rewrite links for tracking."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Variable
from django.template.defaulttags import ForNode, IfNode, WithNode
from django.utils import translation
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from .catalog import TEMPLATE_KEYS, allowed_variables
from .models import MessageTemplate
from .wording import position_name

# One engine for message texts: no loaders, i18n available, no settings-dependent template dirs.
_ENGINE = Engine(builtins=["django.templatetags.i18n"], autoescape=False)
_HTML_ENGINE = Engine(builtins=["django.templatetags.i18n"], autoescape=True)

URL_RE = re.compile(r"https?://[^\s<>\"')\]]+")
_BUILTIN_NAMES = {"forloop", "True", "False", "None", "block"}


def _expression_roots(expr) -> set[str]:
    names: set[str] = set()
    if isinstance(expr, FilterExpression):
        if isinstance(expr.var, Variable) and expr.var.lookups:
            names.add(expr.var.lookups[0])
        for _func, args in expr.filters:
            for lookup, arg in args:
                if lookup and isinstance(arg, Variable) and arg.lookups:
                    names.add(arg.lookups[0])
    elif hasattr(expr, "value"):  # an {% if %} literal
        names |= _expression_roots(expr.value)
    for side in ("first", "second"):  # {% if %} operators
        if getattr(expr, side, None) is not None:
            names |= _expression_roots(getattr(expr, side))
    return names


def _used_variables(nodelist, bound: frozenset = frozenset()) -> set[str]:
    used: set[str] = set()
    for node in nodelist:
        local = set(bound)
        if isinstance(node, ForNode):
            used |= _expression_roots(node.sequence)
            local |= set(node.loopvars)
        elif isinstance(node, WithNode):
            for value in node.extra_context.values():
                used |= _expression_roots(value)
            local |= set(node.extra_context)
        elif isinstance(node, IfNode):
            for condition, _nodes in node.conditions_nodelists:
                if condition is not None:
                    used |= _expression_roots(condition)
        else:
            for value in vars(node).values():
                if isinstance(value, FilterExpression):
                    used |= _expression_roots(value)
                elif isinstance(value, list | tuple):
                    for item in value:
                        if isinstance(item, FilterExpression):
                            used |= _expression_roots(item)
                elif isinstance(value, dict):
                    for item in value.values():
                        if isinstance(item, FilterExpression):
                            used |= _expression_roots(item)
        for attr in getattr(node, "child_nodelists", ()):
            child = getattr(node, attr, None)
            if child:
                used |= _used_variables(child, frozenset(local))
        if isinstance(node, IfNode):
            for _condition, nodes in node.conditions_nodelists:
                used |= _used_variables(nodes, frozenset(local))
        used -= local - set(bound)
    return used - set(bound) - _BUILTIN_NAMES


def template_variables(source: str) -> set[str]:
    """Root variable names a template reads (``{{ a.b|default:c }}`` -> {a, c})."""
    return _used_variables(_ENGINE.from_string(source).nodelist)


def validate_template(key: str, *, subject: str, body: str, html_body: str = "") -> None:
    """Raise ValidationError for an unknown key, a syntax error, or a variable the key does not declare."""
    if key not in TEMPLATE_KEYS:
        raise ValidationError({"key": [_("Unknown template key %(key)s.") % {"key": key}]})
    allowed = allowed_variables(key)
    errors: dict[str, list[str]] = {}
    for field, source in (("subject", subject), ("body", body), ("html_body", html_body)):
        if not source:
            continue
        try:
            unknown = sorted(template_variables(source) - allowed)
        except TemplateSyntaxError as exc:
            errors[field] = [_("Template syntax error: %(error)s") % {"error": exc}]
            continue
        if unknown:
            errors[field] = [_("Unknown variables: %(names)s. Allowed: %(allowed)s.")
                             % {"names": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}]
    if errors:
        raise ValidationError(errors)


def pick_template(key: str, language: str, channel: str):
    """The best stored text: this language and channel, then any channel, then the other language."""

    candidates = list(MessageTemplate.objects.filter(key=key, channel__in=[channel, ""]))
    fallback_languages = [language, settings.LANGUAGE_CODE, "zh-hans", "en"]
    for lang in fallback_languages:
        for wanted_channel in (channel, ""):
            for tpl in candidates:
                if tpl.language == lang and tpl.channel == wanted_channel:
                    return tpl
    return None


def render_message(*, key: str, language: str, channel: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, HTML body) rendered in the recipient's language."""
    tpl = pick_template(key, language, channel)
    if tpl is None:
        raise ValidationError({"template_key": [_("No template %(key)s exists.") % {"key": key}]})
    return render_texts(subject=tpl.subject, body=tpl.body, html_body=tpl.html_body, language=language,
                        channel=channel, context=context)


def with_derived(context: dict, *, language: str) -> dict:
    """The context plus the variables composed from it (``position``: job title and department without saying
    the department twice), so every template and HR's edits get them without each sender computing them."""
    ctx = dict(context)
    if "position" not in ctx and "job_title" in ctx:
        ctx["position"] = position_name(str(ctx["job_title"] or ""), str(ctx.get("department_name") or ""),
                                        language=language)
    return ctx


def render_texts(*, subject: str, body: str, html_body: str = "", language: str, channel: str,
                 context: dict) -> tuple[str, str, str]:
    """Render template sources (stored, or still being edited in the admin preview)."""
    with translation.override(language):
        ctx = with_derived(context, language=language)
        subject = " ".join(_ENGINE.from_string(subject).render(Context(ctx)).split()) if subject else ""
        text = _ENGINE.from_string(body).render(Context(ctx)).strip()
        if html_body:
            html = _HTML_ENGINE.from_string(html_body).render(Context(ctx, autoescape=True)).strip()
        elif channel == "email":
            html = linebreaks(escape(text))
        else:
            html = ""
    return subject, text, html


#: Characters of the GSM 7-bit default alphabet (an SMS in it carries 160 characters, else 70 in UCS-2).
_GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
            "¿abcdefghijklmnopqrstuvwxyzäöñüà")


def sms_parts(text: str) -> tuple[int, int]:
    """(characters, parts) of an SMS: Chinese text is UCS-2, 70 characters in one message, 67 per part when
    split; the GSM alphabet allows 160 / 153. Carriers bill per part."""
    chars = len(text)
    single, multi = (160, 153) if set(text) <= _GSM7 else (70, 67)
    return chars, (1 if chars <= single else -(-chars // multi))


def rewrite_links(text: str, mapping: dict[str, str], *, html: bool = False) -> str:
    """Replace every link with its tracked URL (``mapping``: target -> tracked)."""

    def swap(match):
        url = match.group(0)
        if html:
            url = url.replace("&amp;", "&")
        return mapping.get(url, match.group(0))

    return URL_RE.sub(swap, text)


def find_links(*texts: str) -> list[str]:
    seen: dict[str, None] = {}
    for text in texts:
        for url in URL_RE.findall(text or ""):
            seen.setdefault(url.replace("&amp;", "&"), None)
    tracked_prefix = settings.PUBLIC_BASE_URL + "/l/"
    return [u for u in seen if not u.startswith(tracked_prefix)]

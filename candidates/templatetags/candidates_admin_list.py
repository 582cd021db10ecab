"""The rows of the HR changelists of applications and candidates (issue 17, item 1): Django's ``result_list``
with the work that is the same for every row done once per page.

Django's ``items_for_result`` finds out anew for every cell what its column is (a model field, found by
raising ``FieldDoesNotExist`` for the admin's own columns; its classes; whether it links), and reverses the
change URL and merges the list's filters into it for every row: at 50 rows of nine columns, a third of the
page's time. Here each column is looked up once and the change URL built once, with the row's id put into it;
the cells are written as ``items_for_result`` writes them (its code, column by column), so the HTML is the same.
Popups, ``list_editable`` lists and rows without an integer key take Django's own path.
"""

import datetime

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

_PK = "hrsys0row0pk"  # stands for the row's id in the change URL built once per page


def _column_plan(cl, field_index: int, field_name, first: bool) -> dict:
    """What ``items_for_result`` works out per cell that depends on the column only."""
    model_admin = cl.model_admin
    plan = {"name": field_name, "classes": [f"field-{admin_list._coerce_field_name(field_name, field_index)}"],
            "link": cl.list_display_links is not None and (
                (first and not cl.list_display_links) or field_name in cl.list_display_links),
            "kind": "other", "field": None, "attr": None}
    try:
        plan["field"] = _get_non_gfk_field(cl.lookup_opts, field_name)
        plan["kind"] = "field"
    except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
        if not callable(field_name) and isinstance(field_name, str) and hasattr(model_admin, field_name) \
                and field_name != "__str__":
            plan["kind"], plan["attr"] = "admin", getattr(model_admin, field_name)
    return plan


def _value(plan, result, model_admin):
    """``lookup_field``'s answer for this cell."""
    if plan["kind"] == "field":
        return plan["field"], None, getattr(result, plan["name"])
    if plan["kind"] == "admin":
        return None, plan["attr"], plan["attr"](result)
    return lookup_field(plan["name"], result, model_admin)


def _items(cl, result, plans, url_parts, empty_default):
    """``items_for_result(cl, result, None)``, with the columns' plans and the change URL made once."""
    first = True
    for plan in plans:
        empty_value_display = empty_default
        row_classes = list(plan["classes"])
        link_to_changelist = plan["link"]
        try:
            f, attr, value = _value(plan, result, cl.model_admin)
        except ObjectDoesNotExist:
            result_repr = empty_value_display
        else:
            empty_value_display = getattr(attr, "empty_value_display", empty_value_display)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if f is None or f.auto_created:
                if plan["name"] == "action_checkbox":
                    row_classes = ["action-checkbox"]
                boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    boolean = getattr(attr.fget, "boolean", False)
                result_repr = display_for_value(value, empty_value_display, boolean)
                if isinstance(value, (datetime.date, datetime.time)):
                    row_classes.append("nowrap")
            else:
                if isinstance(f.remote_field, models.ManyToOneRel):
                    field_val = getattr(result, f.name)
                    result_repr = empty_value_display if field_val is None else field_val
                else:
                    result_repr = display_for_field(value, f, empty_value_display, avoid_link=link_to_changelist)
                if isinstance(f, (models.DateField, models.TimeField, models.ForeignKey)):
                    row_classes.append("nowrap")
        row_class = mark_safe(f' class="{" ".join(row_classes)}"')  # noqa: S308 - as Django writes it
        if link_to_changelist:
            table_tag = "th" if first else "td"
            first = False
            if url_parts is None:
                link_or_text = result_repr
            else:
                url = url_parts[0] + str(result.pk) + url_parts[1]
                link_or_text = format_html('<a href="{}"{}>{}</a>', url, "", result_repr)
            yield format_html("<{}{}>{}</{}>", table_tag, row_class, link_or_text, table_tag)
        else:
            yield format_html("<td{}>{}</td>", row_class, result_repr)


def _change_url_parts(cl):
    """The change URL of a row, with the list's filters, split where the row's id goes; None: no such URL."""
    try:
        url = reverse(f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change", args=(_PK,),
                      current_app=cl.model_admin.admin_site.name)
    except NoReverseMatch:
        return None
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
    before, found, after = url.partition(_PK)
    return (before, after) if found and _PK not in after else False


def results(cl):
    """``admin_list.results(cl)``: the rows, each a list of cells."""
    fast = not cl.formset and not cl.is_popup and not cl.to_field \
        and all(isinstance(r.pk, int) for r in cl.result_list)
    url_parts = _change_url_parts(cl) if fast else False
    if url_parts is False:
        yield from admin_list.results(cl)
        return
    plans, first = [], True
    for index, name in enumerate(cl.list_display):
        plans.append(_column_plan(cl, index, name, first))
        first = first and not plans[-1]["link"]
    empty = cl.model_admin.get_empty_value_display()
    for res in cl.result_list:
        yield admin_list.ResultList(None, _items(cl, res, plans, url_parts, empty))


def result_list(cl):
    """``admin_list.result_list`` with the rows above."""
    headers = list(admin_list.result_headers(cl))
    return {"cl": cl, "result_hidden_fields": list(admin_list.result_hidden_fields(cl)), "result_headers": headers,
            "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
            "results": list(results(cl))}


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser, token):
    return InclusionAdminNode(parser, token, func=result_list, template_name="change_list_results.html",
                              takes_context=False)

"""Admin hooks: after a save that imported a GPS file, say what the import did."""

from django.contrib import messages
from django.utils.html import format_html, format_html_join
from wagtail import hooks


@hooks.register("before_publish_page")
def _keep_report(request, page):
    # Publishing reloads the page from the database before after_edit_page runs, losing the
    # report RoutePageForm.save() attached to it; the request carries it across.
    report = getattr(page, "track_import_report", None)
    if report is not None:
        request.route_import_report = report


def _report_message(request, page):
    report = getattr(page, "track_import_report", None) or getattr(request, "route_import_report", None)
    # A background autosave answers JSON and shows the report through the form's field updates;
    # a message queued then would pop up, stale, on some later page.
    if report is None or "application/json" in request.headers.get("Accept", ""):
        return
    lines = report.lines()
    messages.info(request, format_html("{}<ul>{}</ul>", lines[0], format_html_join("", "<li>{}</li>", ((line,) for line in lines[1:]))))


hooks.register("after_create_page", _report_message)
hooks.register("after_edit_page", _report_message)

"""Import and export of review files (pages): upload, progress and result, the template, the export.

Thin views: the work is in ``households.imports`` (run by the Celery task of ``households.tasks``) and
``households.exports``. Every page is declared area-safe; a job is seen only by the person who uploaded it and an
export only covers a commune the user serves (404 otherwise).
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.middleware import area_safe
from accounts.roles import CADRE, CHAIRMAN, PROVINCE_OFFICER, require_role, user_roles
from accounts.scope import user_scope
from accounts.selectors import commune_get

from . import exports, imports
from .models_import import ImportJob
from .services import StandardBook

IMPORT_ROLES = {CHAIRMAN, CADRE, PROVINCE_OFFICER}
MAX_UPLOAD_BYTES = 30 * 1024 * 1024
ERRORS_SHOWN = 1000
RECENT_JOBS = 5
ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ERR_ROLE = _("Importing and exporting review files is open to commune chairmen, cadres and the province office.")
ERR_FILE_TYPE = _("Choose a .csv or .xlsx file.")
ERR_FILE_SIZE = _("The file is larger than %(size)s MB; split it into several files.")
MSG_CHECKED = _("%(done)s of %(total)s rows checked")
MSG_WRITTEN = _("%(done)s of %(total)s rows written")
ERR_NOTHING_TO_CONFIRM = _("This check cannot be imported: it found errors, or the file was already imported.")


def _require_role(user) -> None:
    require_role(user, *IMPORT_ROLES, message=ERR_ROLE)


def _can_recognise(user) -> bool:
    return user.is_superuser or CHAIRMAN in user_roles(user)


def _check_upload(upload):
    if upload is None:
        return upload
    if not upload.name.lower().endswith((".csv", ".xlsx")):
        raise forms.ValidationError(ERR_FILE_TYPE)
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(ERR_FILE_SIZE % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})
    return upload


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Review file"),
        help_text=_("CSV (UTF-8) or Excel .xlsx, one row per household review, as in the template."),
        error_messages={"required": _("Choose the review file to import.")},
    )
    members_file = forms.FileField(
        label=_("Members file (optional)"),
        required=False,
        help_text=_("Not needed when the .xlsx has a sheet named members."),
    )
    dry_run = forms.BooleanField(label=_("Only check the file; write nothing"), required=False)
    recognise = forms.BooleanField(
        label=_("Recognise the imported reviews (the chairman's decision)"),
        required=False,
        help_text=_("Otherwise they are recorded as drafts for the village meeting."),
    )

    def __init__(self, *args, can_recognise: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not can_recognise:
            del self.fields["recognise"]

    def clean_file(self):
        return _check_upload(self.cleaned_data.get("file"))

    def clean_members_file(self):
        return _check_upload(self.cleaned_data.get("members_file"))


def _jobs_of(user):
    """Jobs the user may look at: their own (an administrator: all)."""
    return ImportJob.objects.all() if user.is_superuser else ImportJob.objects.filter(created_by=user)


def _job(request, job_id) -> ImportJob:
    return get_object_or_404(_jobs_of(request.user).defer("data", "members_data"), pk=job_id)


@area_safe
@require_http_methods(["GET", "POST"])
def import_start(request):
    """Upload a review file; a GET shows the form, the template link, the documented columns and the exports."""
    _require_role(request.user)
    can_recognise = _can_recognise(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, can_recognise=can_recognise)
    if request.method == "POST" and form.is_valid():
        upload, members = form.cleaned_data["file"], form.cleaned_data.get("members_file")
        job = imports.import_job_start(
            by=request.user,
            filename=upload.name,
            data=upload.read(),
            members_filename=members.name if members else "",
            members_data=members.read() if members else None,
            dry_run=form.cleaned_data["dry_run"],
            recognise=bool(form.cleaned_data.get("recognise")),
            language=get_language() or "vi",
        )
        return redirect("households:import_status", job_id=job.pk)
    book = StandardBook.load()
    standards = [
        {"standard": std, "indicators": std.indicators}
        for std in sorted(book.pure.values(), key=lambda s: (s.province_code or "", s.valid_from))
    ]
    context = {
        "form": form,
        "review_columns": imports.REVIEW_COLUMNS,
        "member_columns": imports.MEMBER_COLUMNS,
        "indicator_columns": imports.indicator_columns(book),
        "standards": standards,
        "communes": list(user_scope(request.user).communes(whole=False).filter(valid_to__isnull=True)),
        "jobs": list(_jobs_of(request.user).defer("data", "members_data", "errors")[:RECENT_JOBS]),
        "can_recognise": can_recognise,
    }
    return render(request, "households/import/start.html", context)


def _state(job: ImportJob) -> dict:
    """The job's progress: the database row, or fresher figures the worker left in the cache while writing."""
    state = {
        "status": job.status,
        "rows_total": job.rows_total,
        "rows_validated": job.rows_validated,
        "rows_written": job.rows_written,
    }
    if not job.finished:
        live = cache.get(imports.progress_cache_key(job.pk))
        if live:
            state.update({k: v for k, v in live.items() if k in state})
    total = state["rows_total"] or 0
    done = state["rows_written"] if state["status"] == ImportJob.Status.WRITING else state["rows_validated"]
    state["finished"] = job.finished
    state["status_label"] = str(ImportJob.Status(state["status"]).label)
    state["value"], state["max"] = done or 0, total or 1
    numbers = {
        "done": number_format(done or 0, force_grouping=True),
        "total": number_format(total, force_grouping=True),
    }
    state["text"] = str((MSG_WRITTEN if state["status"] == ImportJob.Status.WRITING else MSG_CHECKED) % numbers)
    return state


@area_safe
@require_GET
def import_status(request, job_id):
    """Progress while the job runs (a meta refresh without JavaScript); the counts or every error at the end."""
    _require_role(request.user)
    job = _job(request, job_id)
    errors = job.errors[:ERRORS_SHOWN] if job.finished else []
    context = {
        "job": job,
        "state": _state(job),
        "errors": errors,
        "errors_total": job.counts.get("errors", len(job.errors)),
        "errors_more": max(0, job.counts.get("errors", len(job.errors)) - len(errors)),
        "counts": job.counts,
        "can_confirm": job.dry_run
        and job.status == ImportJob.Status.DONE
        and ImportJob.objects.filter(pk=job.pk, data__isnull=False).exists(),
    }
    return render(request, "households/import/status.html", context)


@area_safe
@require_GET
def import_status_json(request, job_id):
    """The progress as JSON, for the small poll of static/js/progress.js."""
    _require_role(request.user)
    job = _job(request, job_id)
    state = _state(job)
    state["url"] = reverse("households:import_status", kwargs={"job_id": job.pk})
    return JsonResponse(state)


@area_safe
@require_GET
def import_errors_csv(request, job_id):
    """Every error of a job as a CSV (sheet, row, column, reason), for long lists."""
    _require_role(request.user)
    job = _job(request, job_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["sheet", "row", "column", "reason"])
    for e in job.errors:
        writer.writerow([e.get("sheet", ""), e.get("row", ""), e.get("field", ""), e.get("message", "")])
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type=exports.CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="loi-nhap-{job.pk}.csv"'
    return response


@area_safe
@require_POST
def import_confirm(request, job_id):
    """Import for real a file whose check (dry run) found no error, without uploading it again."""
    _require_role(request.user)
    job = get_object_or_404(_jobs_of(request.user), pk=job_id)
    if not (job.dry_run and job.status == ImportJob.Status.DONE and job.data is not None):
        raise Http404(ERR_NOTHING_TO_CONFIRM)
    new = imports.import_job_start(
        by=request.user,
        filename=job.filename,
        data=bytes(job.data),
        members_filename=job.members_filename,
        members_data=bytes(job.members_data) if job.members_data is not None else None,
        dry_run=False,
        recognise=job.recognise and _can_recognise(request.user),
        language=get_language() or job.language,
    )
    ImportJob.objects.filter(pk=job.pk).update(data=None, members_data=None)
    return redirect("households:import_status", job_id=new.pk)


@area_safe
@require_GET
def import_template(request):
    """The empty review file (.xlsx): sheets reviews and members, and the guide huong_dan."""
    _require_role(request.user)
    response = HttpResponse(exports.template_workbook(), content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-ra-soat.xlsx"'
    return response


@area_safe
@require_GET
def export(request):
    """A commune's households, reviews and members in the import format (?commune=<id>&format=xlsx|csv)."""
    _require_role(request.user)
    try:
        commune_id = int(request.GET.get("commune", ""))
    except ValueError:
        raise Http404 from None
    commune = commune_get(user=request.user, pk=commune_id)  # 404 outside the user's scope
    fmt = request.GET.get("format", "xlsx")
    part = request.GET.get("part", imports.REVIEWS_SHEET)
    if fmt not in exports.FORMATS or part not in exports.PARTS:
        return HttpResponseBadRequest()
    file = exports.reviews_export(user=request.user, commune=commune, fmt=fmt, part=part)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


urlpatterns: list = [
    path("import/", import_start, name="import"),
    path("import/template.xlsx", import_template, name="import_template"),
    path("import/<uuid:job_id>/", import_status, name="import_status"),
    path("import/<uuid:job_id>/status.json", import_status_json, name="import_status_json"),
    path("import/<uuid:job_id>/errors.csv", import_errors_csv, name="import_errors_csv"),
    path("import/<uuid:job_id>/confirm/", import_confirm, name="import_confirm"),
    path("export/", export, name="export"),
]

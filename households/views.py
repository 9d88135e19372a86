"""Household pages: the list, a household with its members and review timeline, the review form, the workflow."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.middleware import area_safe
from accounts.roles import CADRE, CHAIRMAN, user_roles
from accounts.scope import user_scope

from . import selectors, services
from .derivation import derive_indicators
from .forms import (
    HouseholdEditForm,
    HouseholdFilterForm,
    MemberForm,
    ReviewForm,
    ReviewRequestDecideForm,
    ReviewRequestForm,
)
from .models import Classification, Indicator, Review
from .national_id import mask_national_id

PAGE_SIZE = 50


@area_safe
def household_list(request):
    scope = user_scope(request.user)
    form = HouseholdFilterForm(request.GET or None, villages=scope.villages().filter(valid_to__isnull=True))
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.household_list(
        user=request.user,
        q=filters.get("q", ""),
        village=filters.get("village"),
        classification=filters.get("classification", ""),
        transition=filters.get("transition", ""),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "households/household_list.html", {"form": form, "page": page, "query": query.urlencode()})


@area_safe
def household_detail(request, pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    show_id = selectors.can_see_national_id(request.user)
    members = [
        {"member": m, "national_id": m.national_id if show_id else mask_national_id(m.national_id)}
        for m in household.members.all()
    ]
    book = services.StandardBook.load()
    indicators = {i.code: i for i in Indicator.objects.all()}
    timeline = [
        {"review": r, "deprived": [indicators[c] for c in book.codes(r.deprived_mask)]} for r in household.reviews.all()
    ]
    return render(
        request,
        "households/household_detail.html",
        {
            "household": household,
            "members": members,
            "timeline": timeline,
            "history": selectors.household_history(household=household),
            "can_review": bool({CADRE, CHAIRMAN} & set(user_roles(request.user))) or request.user.is_superuser,
        },
    )


def _review_form(request, household, data=None):
    """The form with the indicators of the standard that applies to the date and kind entered (or today)."""
    book = services.StandardBook.load()
    probe = ReviewForm(data, indicators=[])
    review_date, kind = None, Review.Kind.PERIODIC
    if data is not None and probe.is_valid():
        review_date, kind = probe.cleaned_data["review_date"], probe.cleaned_data["kind"]
    from django.utils import timezone

    review_date = review_date or timezone.localdate()
    try:
        row, std = book.for_review(review_date, kind, household.commune.province.code)
    except ValidationError:
        row, std = None, None
    codes = list(std.indicators) if std else []
    indicators = sorted((i for i in Indicator.objects.filter(code__in=codes)), key=lambda i: i.bit)
    derived = derive_indicators(services.member_facts(household), review_date)
    derived = {c: v for c, v in derived.items() if c in codes}
    initial = {
        "review_date": review_date.strftime("%d/%m/%Y"),
        "household_size": household.size,
        "submission_key": uuid.uuid4().hex,
    }
    form = ReviewForm(data, initial=initial, indicators=indicators, derived=derived)
    return form, row


@area_safe
@require_http_methods(["GET", "POST"])
def review_new(request, pk: int):
    """Enter a review on a phone: the form, then "check your answers", then it is recorded as a draft."""
    household = selectors.household_get(user=request.user, pk=pk)
    if not (request.user.is_superuser or {CADRE, CHAIRMAN} & set(user_roles(request.user))):
        raise PermissionDenied(_("Only cadres and the chairman record reviews."))
    if request.method == "GET":
        form, standard = _review_form(request, household)
        return render(
            request, "households/review_form.html", {"household": household, "form": form, "standard": standard}
        )
    form, standard = _review_form(request, household, request.POST)
    if not form.is_valid():
        return render(
            request,
            "households/review_form.html",
            {"household": household, "form": form, "standard": standard},
            status=400,
        )
    try:
        computed = services.review_compute(
            household=household,
            review_date=form.cleaned_data["review_date"],
            kind=form.cleaned_data["kind"],
            income_per_capita=form.cleaned_data["income_per_capita"],
            deprived=form.deprived(),
            overrides=form.overrides(),
        )
    except ValidationError as exc:
        _attach_errors(form, exc)
        return render(
            request,
            "households/review_form.html",
            {"household": household, "form": form, "standard": standard},
            status=400,
        )
    confirm = (request.POST.getlist("confirm") or [""])[-1]
    if confirm == "0":  # "change my answers" on the check page
        return render(
            request, "households/review_form.html", {"household": household, "form": form, "standard": standard}
        )
    if confirm != "1":
        return render(
            request,
            "households/review_check.html",
            {
                "household": household,
                "form": form,
                "computed": computed,
                "standard": standard,
                "classification_label": Classification(computed.classification).label,
                "kind_label": Review.Kind(form.cleaned_data["kind"]).label,
            },
        )
    review = services.review_record(
        household=household,
        review_date=form.cleaned_data["review_date"],
        kind=form.cleaned_data["kind"],
        income_per_capita=form.cleaned_data["income_per_capita"],
        household_size=form.cleaned_data["household_size"],
        deprived=form.deprived(),
        overrides=form.overrides(),
        by=request.user,
        submission_key=form.cleaned_data["submission_key"],
    )
    messages.success(
        request,
        _("Review recorded as a draft: %(classification)s.") % {"classification": review.get_classification_display()},
    )
    return redirect("households:detail", pk=household.pk)


def _attach_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = f"reason_{field}" if f"reason_{field}" in form.fields else field
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@area_safe
def review_workflow(request):
    """The review lists at each step; the chairman moves them on (cadres up to the public posting)."""
    status = request.GET.get("status", Review.Status.DRAFT)
    if status not in services.NEXT_STATUS:
        status = Review.Status.DRAFT
    reviews = selectors.review_workflow_list(user=request.user, status=status)
    page = Paginator(reviews, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "households/review_workflow.html",
        {
            "status": status,
            "next_status": services.NEXT_STATUS[status],
            "steps": [(s, Review.Status(s).label) for s in services.NEXT_STATUS],
            "counts": selectors.workflow_counts(user=request.user),
            "page": page,
            "can_recognise": request.user.is_superuser or CHAIRMAN in user_roles(request.user),
        },
    )


@area_safe
@require_POST
def review_workflow_advance(request):
    status = request.POST.get("status", "")
    to = services.NEXT_STATUS.get(status)
    if to is None:
        raise PermissionDenied(_("Unknown step."))
    if to == Review.Status.RECOGNISED and not (request.user.is_superuser or CHAIRMAN in user_roles(request.user)):
        raise PermissionDenied(_("Only the commune chairman recognises the review results."))
    ids = [int(i) for i in request.POST.getlist("review") if i.isdigit()]
    reviews = list(selectors.review_workflow_list(user=request.user, status=status).filter(pk__in=ids))
    moved, refused = 0, []
    for review in reviews:
        try:
            services.review_advance(review=review, to=to, by=request.user)
            moved += 1
        except ValidationError as exc:
            refused.append(f"{review.household.code}: {' '.join(exc.messages)}")
    if moved:
        messages.success(
            request, _("%(count)s review(s) moved to: %(step)s.") % {"count": moved, "step": Review.Status(to).label}
        )
    for line in refused:
        messages.error(request, line)
    return redirect(f"{request.path.rsplit('/', 2)[0]}/?status={status}")


@area_safe
def review_detail_redirect(request, pk: int):
    review = get_object_or_404(selectors.review_list(user=request.user), pk=pk)
    return redirect("households:detail", pk=review.household_id)


@area_safe
@require_http_methods(["GET", "POST"])
def review_requests(request):
    """Form 04 requests: record one as it arrives; see the deadlines and how many were decided late."""
    from django.utils import timezone

    form = ReviewRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        household = (
            selectors.household_scope(user=request.user).filter(code=form.cleaned_data["household_code"]).first()
        )
        if household is None:
            form.add_error("household_code", _("No household with this code in the villages you serve."))
        else:
            req = services.review_request_receive(
                household=household,
                ask=form.cleaned_data["ask"],
                received_on=form.cleaned_data["received_on"],
                by=request.user,
            )
            messages.success(
                request,
                _("Request recorded. The review starts on %(start)s; decide by %(deadline)s.")
                % {"start": req.review_starts_on.strftime("%d/%m/%Y"), "deadline": req.deadline.strftime("%d/%m/%Y")},
            )
            return redirect("households:requests")
    page = Paginator(selectors.review_request_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "households/review_requests.html",
        {
            "form": form,
            "page": page,
            "summary": selectors.review_request_summary(user=request.user, today=timezone.localdate()),
            "today": timezone.localdate(),
            "decide_form": ReviewRequestDecideForm(initial={"decided_on": timezone.localdate().strftime("%d/%m/%Y")}),
            "can_decide": request.user.is_superuser or CHAIRMAN in user_roles(request.user),
        },
        status=400 if form.errors else 200,
    )


@area_safe
@require_POST
def review_request_decide(request, pk: int):
    if not (request.user.is_superuser or CHAIRMAN in user_roles(request.user)):
        raise PermissionDenied(_("Only the commune chairman decides on a request."))
    req = get_object_or_404(selectors.review_request_list(user=request.user), pk=pk)
    form = ReviewRequestDecideForm(request.POST)
    if form.is_valid():
        try:
            services.review_request_decide(request=req, by=request.user, **form.cleaned_data)
            messages.success(request, _("Decision recorded."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items()))
    return redirect("households:requests")


def _may_edit_registry(user) -> bool:
    return user.is_superuser or bool({CADRE, CHAIRMAN} & set(user_roles(user)))


@area_safe
@require_http_methods(["GET", "POST"])
def household_edit(request, pk: int):
    """Edit a household. If someone else saved it meanwhile, the save is refused and the typed values are kept."""
    household = selectors.household_get(user=request.user, pk=pk)
    if not _may_edit_registry(request.user):
        raise PermissionDenied(_("Only cadres and the chairman edit the household registry."))
    villages = user_scope(request.user).villages().filter(commune=household.commune)
    initial = {
        "village": household.village_id,
        "head_name": household.head_name,
        "head_ethnicity": household.head_ethnicity,
        "address": household.address,
        "area_type": household.area_type,
        "size": household.size,
        "version": household.version,
    }
    form = HouseholdEditForm(request.POST or None, initial=initial, villages=villages)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        data["village"] = next(v for v in villages if v.pk == data["village"])
        try:
            services.household_update(household=household, expected_version=version, by=request.user, **data)
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("Household saved."))
            return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/household_edit.html",
        {"household": household, "form": form},
        status=400 if form.errors else 200,
    )


@area_safe
@require_http_methods(["GET", "POST"])
def member_new(request, pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    if not _may_edit_registry(request.user):
        raise PermissionDenied(_("Only cadres and the chairman edit the household registry."))
    form = MemberForm(request.POST or None, initial={"ethnicity": household.head_ethnicity})
    if request.method == "POST" and form.is_valid():
        try:
            services.member_add(household=household, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("Member added."))
            return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/member_form.html",
        {"household": household, "form": form},
        status=400 if form.errors else 200,
    )

"""Credit pages: thin, they read through the scoped selectors and write through the services.

Every view is declared area-safe and fetches what the user asked for through a selector that applies the user's scope
(outside it: 404). What a role may *do* is checked here with ``require_role`` (403 for a role that may not).
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.middleware import area_safe
from accounts.roles import CHAIRMAN, CREDIT_OFFICER, GROUP_LEADER, PROVINCE_OFFICER, has_role, require_role, user_roles
from accounts.scope import user_scope

from . import exports, forms, selectors, services
from .models import PIPELINE_STATUSES, LedgerEntry, Loan, LoanUseCheck
from .portfolio import portfolio_report
from .tasks import loan_status_refresh_all

PAGE_SIZE = 50
S = Loan.Status


def _ctx(request, **extra) -> dict:
    return {"show_amounts": selectors.can_see_amounts(request.user), **extra}


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _month(value: str | None) -> date:
    """``2026-04`` → 1 April 2026; anything else → the current month."""
    try:
        year, month = (int(part) for part in (value or "").split("-", 1))
        return date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


# --- portfolio --------------------------------------------------------------------------------------------------
@area_safe
def home(request):
    """The credit officer's portfolio (also the chairman's and the province's): as of any date, by programme,
    commune, organisation and group, with charts and the numbers beside them."""
    roles = set(user_roles(request.user))
    if roles == {GROUP_LEADER}:
        return redirect("credit:group_home")
    require_role(request.user, *selectors.PORTFOLIO_ROLES)
    form = forms.AsOfForm(request.GET or None)
    as_of = form.as_of_value()
    program = form.cleaned_data.get("program") if form.is_valid() else None
    report = portfolio_report(user=request.user, as_of=as_of, program=program.pk if program else None)
    if request.GET.get("format") == "xlsx":
        scope = ", ".join(c.name for c in user_scope(request.user).communes(whole=True)[:10]) or _("all communes")
        return exports.portfolio_excel(report, scope_label=scope)
    return render(
        request,
        "credit/home.html",
        _ctx(
            request,
            form=form,
            report=report,
            charts=exports.portfolio_charts(report),
            buckets=exports.bucket_labels(),
            pipeline=selectors.pipeline_counts(user=request.user),
            is_officer=has_role(request.user, CREDIT_OFFICER),
            query=request.GET.urlencode(),
        ),
    )


@area_safe
@require_POST
def refresh(request):
    """Recompute overdue statuses now (the nightly task, on demand), for the whole book in id chunks."""
    require_role(request.user, CREDIT_OFFICER)
    transaction.on_commit(loan_status_refresh_all.delay)
    messages.success(request, _("The overdue statuses are being recomputed from the ledger."))
    return redirect("credit:overdue")


# --- loans ------------------------------------------------------------------------------------------------------
@area_safe
def loan_list(request):
    form = forms.LoanFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    program = data.get("program")
    qs = selectors.loan_list(
        user=request.user, status=data.get("status", ""), program=program.pk if program else None, q=data.get("q", "")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "credit/loan_list.html", _ctx(request, form=form, page=page, query=query.urlencode()))


def _actions_for(user, loan: Loan) -> list[tuple[str, str]]:
    """(action, label) the user may take on the loan now."""
    officer = has_role(user, CREDIT_OFFICER)
    chairman = has_role(user, CHAIRMAN)
    leader = has_role(user, GROUP_LEADER) and loan.group is not None and loan.group.leader_id == user.pk
    out = []
    if loan.status == S.APPLIED and (officer or leader):
        out += [("select", _("Record the group's selection")), ("refuse", _("Refuse"))]
    if loan.status == S.SELECTED and (chairman or user.is_superuser):
        out += [("certify", _("Certify eligibility")), ("refuse", _("Refuse"))]
    if loan.status == S.CERTIFIED and officer:
        out += [("approve", _("Approve")), ("refuse", _("Refuse"))]
    if loan.status == S.APPROVED and officer:
        out += [("disburse", _("Disburse")), ("cancel", _("Cancel"))]
    if loan.is_active and officer:
        out += [
            ("collect", _("Record a collection")),
            ("extend", _("Extend")),
            ("freeze", _("Freeze")),
            ("write_off", _("Write off")),
        ]
    return out


@area_safe
def loan_detail(request, pk: int):
    loan = selectors.loan_get(user=request.user, pk=pk)
    show = selectors.can_see_amounts(request.user)
    today = timezone.localdate()
    context = _ctx(
        request,
        loan=loan,
        actions=_actions_for(request.user, loan),
        history=selectors.loan_history(loan=loan),
        checks=list(loan.use_checks.select_related("recorded_by").order_by("due_by")),
        extensions=list(loan.extensions.select_related("cause")),
        freezes=list(loan.freezes.select_related("cause")),
        write_offs=list(loan.write_offs.select_related("cause")),
        can_reverse=has_role(request.user, CREDIT_OFFICER),
        can_check=has_role(request.user, CREDIT_OFFICER, GROUP_LEADER),
        today=today,
    )
    if show and loan.disbursed_on:
        context["position"] = selectors.loan_position(loan=loan, on=today)
        context["schedule"] = selectors.loan_schedule(loan=loan, on=today)
        context["entries"] = list(selectors.loan_ledger(user=request.user, loan=loan))
    return render(request, "credit/loan_detail.html", context)


ACTION_ROLES = {
    "select": (CREDIT_OFFICER, GROUP_LEADER),
    "certify": (CHAIRMAN,),
    "refuse": (CREDIT_OFFICER, GROUP_LEADER, CHAIRMAN),
    "approve": (CREDIT_OFFICER,),
    "cancel": (CREDIT_OFFICER,),
    "disburse": (CREDIT_OFFICER,),
    "collect": (CREDIT_OFFICER,),
    "extend": (CREDIT_OFFICER,),
    "freeze": (CREDIT_OFFICER,),
    "write_off": (CREDIT_OFFICER,),
    "reverse": (CREDIT_OFFICER,),
}
ACTION_TITLES = {
    "select": _("Record the group's selection"),
    "certify": _("Certify eligibility"),
    "refuse": _("Refuse the application"),
    "cancel": _("Cancel the loan"),
    "approve": _("Approve the loan"),
    "disburse": _("Disburse the loan"),
    "collect": _("Record a collection"),
    "extend": _("Extend the debt"),
    "freeze": _("Freeze the debt"),
    "write_off": _("Write off the debt"),
    "reverse": _("Correct an entry"),
}


def _action_form(action: str, loan: Loan, data=None):
    today = timezone.localdate()
    base = {"version": loan.version, "on": today}
    if action in ("select", "certify"):
        return forms.StepForm(data, initial=base)
    if action in ("refuse", "cancel"):
        return forms.RefuseForm(data, initial=base)
    if action == "approve":
        return forms.ApproveForm(
            data, initial={**base, "amount": loan.amount_requested, "term_months": loan.term_months}
        )
    if action == "disburse":
        return forms.DisburseForm(
            data,
            commune=loan.commune,
            initial={**base, "transaction_point": loan.group and loan.group.transaction_point_id},
        )
    if action == "collect":
        return forms.CollectionForm(data, initial={"on": today})
    if action == "extend":
        return forms.ExtendForm(data, initial=base)
    if action == "freeze":
        return forms.FreezeForm(data, initial={**base, "frozen_from": today})
    if action == "write_off":
        return forms.WriteOffForm(data, initial={**base, "principal": loan.outstanding_principal})
    if action == "reverse":
        return forms.ReverseForm(data, initial={"on": today})
    raise Http404


def _do(action: str, loan: Loan, form, user) -> str:
    d = form.cleaned_data
    version = d.get("version")
    if action == "select":
        services.loan_group_select(loan=loan, on=d["on"], by=user, expected_version=version)
        return _("The group's selection is recorded.")
    if action == "certify":
        loan = services.loan_certify(loan=loan, on=d["on"], by=user, expected_version=version)
        if loan.status == S.REFUSED:
            return _("Not eligible; the refusal and its reasons are recorded.")
        return _("Eligibility certified.")
    if action == "refuse":
        services.loan_refuse(loan=loan, reason=d["reason"], on=d["on"], by=user, expected_version=version)
        return _("The refusal is recorded with its reason.")
    if action == "cancel":
        services.loan_cancel(loan=loan, reason=d["reason"], by=user, expected_version=version)
        return _("The loan is cancelled.")
    if action == "approve":
        services.loan_approve(
            loan=loan, on=d["on"], amount=d["amount"], term_months=d["term_months"], by=user, expected_version=version
        )
        return _("The loan is approved.")
    if action == "disburse":
        services.loan_disburse(
            loan=loan,
            on=d["on"],
            transaction_point=d["transaction_point"],
            by=user,
            idempotency_key=f"form:{d['idempotency_key']}",
            expected_version=version,
        )
        return _("Disbursed. The schedule and the loan-use check are recorded.")
    if action == "collect":
        result = services.loan_collection_post(
            loan=loan,
            on=d["on"],
            principal=d.get("principal") or 0,
            interest=d.get("interest") or 0,
            overdue_interest=d.get("overdue_interest") or 0,
            idempotency_key=f"form:{d['idempotency_key']}",
            by=user,
        )
        return _("Collection recorded.") if result.created else _("This collection was already recorded.")
    if action == "extend":
        services.loan_extend(
            loan=loan,
            on=d["on"],
            new_due_date=d["new_due_date"],
            reason=d["reason"],
            cause=d.get("cause"),
            decision_reference=d.get("decision_reference", ""),
            by=user,
            expected_version=version,
        )
        return _("The extension is recorded; the schedule is updated.")
    if action == "freeze":
        services.loan_freeze(
            loan=loan,
            frozen_from=d["frozen_from"],
            frozen_until=d["frozen_until"],
            cause=d["cause"],
            reason=d["reason"],
            decision_reference=d.get("decision_reference", ""),
            by=user,
            expected_version=version,
        )
        return _("The freeze is recorded.")
    if action == "write_off":
        services.loan_write_off(
            loan=loan,
            on=d["on"],
            principal=d["principal"],
            cause=d["cause"],
            reason=d.get("reason", ""),
            decision_reference=d.get("decision_reference", ""),
            idempotency_key=f"form:{d['idempotency_key']}",
            by=user,
            expected_version=version,
        )
        return _("The write-off is recorded.")
    if action == "reverse":
        entry = get_object_or_404(LedgerEntry, pk=d["entry"], loan=loan)
        services.ledger_entry_reverse(
            entry=entry, on=d["on"], reason=d["reason"], idempotency_key=f"form:{d['idempotency_key']}", by=user
        )
        return _("The entry is reversed.")
    raise Http404


@area_safe
@require_http_methods(["GET", "POST"])
def loan_action(request, pk: int, action: str):
    """One thing per page: the form of one step of the loan's life, then back to the loan."""
    if action not in ACTION_ROLES:
        raise Http404
    loan = selectors.loan_get(user=request.user, pk=pk)
    require_role(request.user, *ACTION_ROLES[action])
    if action in ("collect", "reverse", "write_off"):
        selectors.require_amounts(request.user)
    entry = None
    if action == "reverse":
        entry = get_object_or_404(LedgerEntry, pk=request.GET.get("entry") or request.POST.get("entry"), loan=loan)
    form = _action_form(action, loan, request.POST if request.method == "POST" else None)
    if action == "reverse" and request.method == "GET":
        form.initial["entry"] = entry.pk
    position = selectors.loan_position(loan=loan) if action in ("collect", "write_off", "extend") else None
    if request.method == "POST" and form.is_valid():
        try:
            message = _do(action, loan, form, request.user)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, message)
            return redirect("credit:loan", pk=loan.pk)
    return render(
        request,
        "credit/loan_action.html",
        _ctx(
            request,
            loan=loan,
            form=form,
            action=action,
            title=ACTION_TITLES[action],
            position=position,
            entry=entry,
            reasons=selectors.loan_eligibility(loan=loan, on=timezone.localdate()) if action == "certify" else [],
        ),
        status=400 if form.errors else 200,
    )


@area_safe
@require_http_methods(["GET", "POST"])
def loan_new(request):
    """An application (Form 01/TD) entered by the group leader or the credit officer for a member household."""
    require_role(request.user, CREDIT_OFFICER, GROUP_LEADER)
    groups = list(selectors.group_list(user=request.user))
    if not groups:
        raise Http404
    group_id = request.POST.get("group") or request.GET.get("group")
    group = next((g for g in groups if str(g.pk) == str(group_id)), groups[0])
    memberships = selectors.group_members(group=group)
    form = forms.ApplicationForm(request.POST or None, memberships=memberships)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        household = next(m.household for m in memberships if m.household_id == d["household"])
        try:
            loan = services.loan_apply(
                household=household,
                program=d["program"],
                group=group,
                amount=d["amount"],
                purpose=d["purpose"],
                applied_on=d["applied_on"],
                term_months=d["term_months"],
                principal_every_months=d["principal_every_months"],
                borrowing_plan=d["borrowing_plan"],
                by=request.user,
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The application is recorded."))
            return redirect("credit:loan", pk=loan.pk)
    return render(
        request,
        "credit/loan_new.html",
        _ctx(request, form=form, groups=groups, group=group),
        status=400 if form.errors else 200,
    )


@area_safe
def applications(request):
    """Loans waiting at each step before disbursement; each step's button is on the loan's page."""
    require_role(request.user, CREDIT_OFFICER, CHAIRMAN, GROUP_LEADER)
    status = request.GET.get("status", S.APPLIED)
    if status not in PIPELINE_STATUSES:
        status = S.APPLIED
    page = Paginator(selectors.pipeline_list(user=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "credit/applications.html",
        _ctx(
            request,
            status=status,
            steps=[(s, S(s).label) for s in PIPELINE_STATUSES],
            counts=selectors.pipeline_counts(user=request.user),
            page=page,
            query=f"status={status}",
        ),
    )


# --- groups and sheets ------------------------------------------------------------------------------------------
@area_safe
def group_list(request):
    groups = selectors.group_list(user=request.user)
    return render(request, "credit/group_list.html", _ctx(request, groups=groups))


@area_safe
def group_detail(request, pk: int):
    group = selectors.group_get(user=request.user, pk=pk)
    members = selectors.group_members(group=group)
    loans = selectors.loan_list(user=request.user, group=group.pk).exclude(status__in=[S.REFUSED, S.CANCELLED])
    return render(request, "credit/group_detail.html", _ctx(request, group=group, members=members, loans=loans))


@area_safe
@require_http_methods(["GET", "POST"])
def sheet(request, pk: int):
    """The group's collection sheet for a month: the leader prints it or downloads it; the officer posts it."""
    group = selectors.group_get(user=request.user, pk=pk)
    selectors.require_amounts(request.user)
    period = _month(request.POST.get("month") or request.GET.get("month"))
    can_post = has_role(request.user, CREDIT_OFFICER)
    if request.method == "POST":
        if not can_post:
            raise PermissionDenied(_("Only the credit officer posts a sheet at the transaction point."))
        try:
            result = services.collection_sheet_post(
                group=group, period=period, by=request.user, amounts=_sheet_amounts(request.POST)
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            if result.recorded:
                messages.success(
                    request,
                    _("Sheet posted: %(count)s entries, %(amount)s đồng recorded.")
                    % {"count": result.recorded, "amount": f"{result.amount:,}".replace(",", ".")},
                )
            else:
                messages.warning(request, _("This sheet was already posted: nothing new was recorded."))
        return redirect(f"{reverse('credit:sheet', args=[group.pk])}?month={period:%Y-%m}")
    view = selectors.collection_sheet(group=group, period=period)
    if request.GET.get("format") == "xlsx":
        return exports.sheet_excel(view)
    return render(
        request,
        "credit/sheet.html",
        _ctx(
            request,
            group=group,
            sheet=view,
            can_post=can_post and view.session_date <= timezone.localdate(),
            is_officer=can_post,
            month=f"{period:%Y-%m}",
            previous=f"{_shift(period, -1):%Y-%m}",
            following=f"{_shift(period, 1):%Y-%m}",
        ),
    )


def _shift(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _sheet_amounts(post) -> dict:
    """``amt-<household>-<loan or 0>-<part>`` fields of the officer's sheet → the service's ``amounts``."""
    from households.forms import MoneyField

    field = MoneyField(required=False, min_value=0)
    amounts: dict = {}
    for name, value in post.items():
        if not name.startswith("amt-"):
            continue
        try:
            _prefix, household, loan, part = name.split("-", 3)
            amount = field.clean(value) or 0
        except (ValueError, ValidationError):
            raise ValidationError(_("Check the amount %(value)s.") % {"value": value}) from None
        amounts.setdefault((int(household), int(loan) or None), {})[part] = amount
    return amounts


@area_safe
def group_home(request):
    """The group leader's phone page: my group this month (what each member owes, who is late)."""
    require_role(request.user, GROUP_LEADER)
    period = _month(request.GET.get("month"))
    groups = list(selectors.led_groups(user=request.user))
    sheets = [selectors.collection_sheet(group=g, period=period) for g in groups]
    checks = selectors.use_checks(user=request.user).filter(loan__group__leader=request.user)[:20]
    return render(request, "credit/group_home.html", _ctx(request, sheets=sheets, period=period, checks=checks))


# --- overdue, risk debt, loan-use checks --------------------------------------------------------------------------
@area_safe
def overdue(request):
    require_role(request.user, CREDIT_OFFICER, CHAIRMAN, PROVINCE_OFFICER, GROUP_LEADER)
    form = forms.AsOfForm(request.GET or None)
    as_of = form.as_of_value()
    items = selectors.overdue_list(user=request.user, as_of=as_of)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "credit/overdue.html",
        _ctx(
            request,
            form=form,
            as_of=as_of,
            page=page,
            buckets=exports.bucket_labels(),
            is_officer=has_role(request.user, CREDIT_OFFICER),
        ),
    )


@area_safe
def risk_debt(request):
    require_role(request.user, CREDIT_OFFICER, CHAIRMAN, PROVINCE_OFFICER)
    files = selectors.risk_debt_files(user=request.user)
    return render(request, "credit/risk_debt.html", _ctx(request, **{k: list(v[:200]) for k, v in files.items()}))


@area_safe
def use_checks(request):
    require_role(request.user, CREDIT_OFFICER, CHAIRMAN, GROUP_LEADER, PROVINCE_OFFICER)
    pending = selectors.use_checks(user=request.user, pending=True)
    misused = selectors.use_checks(user=request.user, pending=False, outcome=LoanUseCheck.Outcome.MISUSED)
    return render(
        request,
        "credit/use_checks.html",
        _ctx(
            request,
            pending=list(pending[:200]),
            misused=list(misused[:200]),
            today=timezone.localdate(),
            can_check=has_role(request.user, CREDIT_OFFICER, GROUP_LEADER),
        ),
    )


@area_safe
@require_http_methods(["GET", "POST"])
def use_check_record(request, pk: int):
    check = selectors.use_check_get(user=request.user, pk=pk)
    require_role(request.user, CREDIT_OFFICER, GROUP_LEADER)
    checker = (
        LoanUseCheck.Checker.GROUP_LEADER
        if GROUP_LEADER in user_roles(request.user) and not has_role(request.user, CREDIT_OFFICER)
        else LoanUseCheck.Checker.OFFICER
    )
    form = forms.UseCheckForm(request.POST or None, initial={"on": timezone.localdate(), "checker": checker})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.loan_use_check_record(
                check=check, on=d["on"], outcome=d["outcome"], checker=d["checker"], notes=d["notes"], by=request.user
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The loan-use check is recorded."))
            return redirect("credit:loan", pk=check.loan_id)
    return render(
        request, "credit/use_check_form.html", _ctx(request, check=check, form=form), status=400 if form.errors else 200
    )


# --- the chairman -----------------------------------------------------------------------------------------------
@area_safe
def chairman(request):
    """Debt quality of the commune: the figures, the groups and loans behind them, misuse found by checks."""
    require_role(request.user, CHAIRMAN, PROVINCE_OFFICER, CREDIT_OFFICER)
    as_of = forms.AsOfForm(request.GET or None).as_of_value()
    report = portfolio_report(user=request.user, as_of=as_of)
    summary = selectors.chairman_debt_summary(user=request.user, as_of=as_of)
    misused = selectors.use_checks(user=request.user, pending=False, outcome=LoanUseCheck.Outcome.MISUSED)[:50]
    groups = [g for g in report.by_group if g.overdue or g.frozen][:50]
    return render(
        request,
        "credit/chairman.html",
        _ctx(
            request,
            debt=summary,
            report=report,
            groups=groups,
            misused=misused,
            charts=exports.portfolio_charts(report),
            buckets=exports.bucket_labels(),
        ),
    )

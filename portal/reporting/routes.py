"""The reporting calendar of a contract, report submission by operators, review by the bureau."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.scoping import get_or_404, roles_required
from portal.contracts.models import Contract
from portal.htmx import render
from portal.reporting import services
from portal.reporting.forms import ReviewForm, report_form
from portal.reporting.models import IllegalReview, Submission

bp = Blueprint("reporting", __name__)


@bp.get("/contracts/<int:contract_id>/calendar")
@login_required
def show_calendar(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    entries = services.entries(contract)
    months, specs, cells = services.grid(entries)
    # What to do next: returned first, then by due moment; missing ones apart, the most recent first.
    due_next = sorted((e for e in entries if e.status in ("returned", "due_soon", "upcoming")),
                      key=lambda e: (e.status != "returned", e.obligation.due_at))[:8]
    missing = [e for e in reversed(entries) if e.status == "missing"]
    return render("reporting/calendar.html", contract=contract, entries=entries, months=months, specs=specs,
                  cells=cells, due_next=due_next, missing=missing[:8], missing_count=len(missing))


def _fact_specs(contract: Contract, obligation) -> list:
    from portal.schemes.services import scheme_for

    # the version in force when the report's period starts (the cycle it falls in is scored by it)
    scheme = scheme_for(contract.scheme_id, obligation.period.start)
    return [scheme.facts[key] for key in obligation.spec.fields if key in scheme.facts]


@bp.route("/contracts/<int:contract_id>/reports/<obligation_key>/<period_key>", methods=["GET", "POST"])
@login_required
def submit_report(contract_id: int, obligation_key: str, period_key: str):
    contract = get_or_404(Contract, contract_id)
    obligation = services.find_obligation(contract, obligation_key, period_key)
    if obligation is None:
        abort(404)
    form = report_form(_fact_specs(contract, obligation))
    refusal = services.refusal_reason(contract, obligation.period.end)
    if form.is_submitted():
        if current_user.role != "operator":
            abort(403)
        if refusal is None and form.validate():
            figures = {key: getattr(form, f"fact_{key}").data for key in form.fact_keys}
            try:
                submission = services.submit(contract, obligation, figures=figures, narrative=form.narrative.data,
                                             user=current_user, form_token=form.once.data)
            except services.SubmissionRefused as exc:
                flash(str(exc), "error")
            except services.AlreadySubmitted as exc:
                flash(_("这份表单此前已提交（第%(v)d版），未重复保存", v=exc.submission.version), "success")
            else:
                flash(_("已提交第%(v)d版", v=submission.version), "success")
            # From the URL, not the object: after the commit the answer must not need the database (issue #17).
            return redirect(url_for(".submit_report", contract_id=contract_id, obligation_key=obligation_key,
                                    period_key=period_key))
    # Read after a post was handled: a post that is stored answers with a redirect and needs no list (issue #16).
    versions = services.versions_of(contract.id, obligation_key, period_key)
    if not form.is_submitted() and versions:  # a correction starts from the latest version (a form shown anew
        latest = versions[-1]  # has a new one-time token)
        form.narrative.data = latest.narrative
        for key in form.fact_keys:
            if key in latest.figures:
                getattr(form, f"fact_{key}").data = int(latest.figures[key])
    return render("reporting/report.html", status=422 if form.errors else 200, contract=contract,
                  obligation=obligation, versions=versions, form=form, refusal=refusal,
                  review_form=ReviewForm() if current_user.role in ("reviewer", "approver") else None)


# POST: what is typed stays out of URLs (server logs, proxies, browser history).
@bp.post("/contracts/<int:contract_id>/reports/<obligation_key>/<period_key>/check")
@roles_required("operator")
def check_report_field(contract_id: int, obligation_key: str, period_key: str):
    """htmx inline validation: the errors of one field of the report form (`?field=`), as typed so far."""
    contract = get_or_404(Contract, contract_id)
    obligation = services.find_obligation(contract, obligation_key, period_key)
    form = report_form(_fact_specs(contract, obligation), formdata=request.form) if obligation else None
    name = request.args.get("field") or "narrative"  # the field whose errors to show (default: the narrative)
    if form is None or name not in [f"fact_{key}" for key in form.fact_keys] + ["narrative"]:
        abort(404)
    form[name].validate(form)
    return render("activities/_field_errors.html", field=form[name])


@bp.post("/submissions/<int:submission_id>/review")
@roles_required("reviewer", "approver")
def review_submission(submission_id: int):
    submission = get_or_404(Submission, submission_id)
    form = ReviewForm()
    target = url_for(".submit_report", contract_id=submission.contract_id,
                     obligation_key=submission.obligation_key, period_key=submission.period_key)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(target)
    try:
        services.review(submission, accept=form.decision.data == "accept", reason=form.reason.data or "",
                        user=current_user)
    except IllegalReview as exc:
        flash(str(exc), "error")
    else:
        flash(_("已接收") if form.decision.data == "accept" else _("已退回修改"), "success")
    return redirect(target)


@bp.app_context_processor
def _labels():
    """Labels that live in rules/ in both languages: pick the one of the current locale."""
    from flask_babel import get_locale

    english = str(get_locale()) == "en"

    def obligation_label(spec) -> str:
        return spec.label_en if english else spec.label

    def status_text(status: str) -> str:
        return services.status_label(status, "en" if english else "zh")

    return {"obligation_label": obligation_label, "status_text": status_text}

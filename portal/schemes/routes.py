"""Scheme versions in the portal: the list, upload (checked, its cases run), the version's page (the rubric
as a bureau prints it, its cases, what changed since the previous version), publish and discard.

A platform admin manages every scheme; a bureau admin its own bureau's (a new scheme id it uploads becomes
its bureau's). Bureau staff see the platform-wide versions and their own bureau's (portal/tenancy.py).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from portal.db import get_session
from portal.forms import AlreadySubmitted, already_done, claim_once, was_submitted
from portal.htmx import render
from portal.organisations.models import Bureau
from portal.schemes import services
from portal.schemes.forms import DiscardForm, PublishForm, UploadForm
from portal.schemes.models import SchemeVersion
from portal.scoping import get_or_404, roles_required, scoped

bp = Blueprint("schemes", __name__)

STAFF = ("admin", "reviewer", "approver")


@bp.get("/schemes")
@roles_required(*STAFF)
def list_schemes():
    """Every scheme the user may see with all its versions: one query, whatever their number."""
    rows = get_session().exec(scoped(SchemeVersion).order_by(SchemeVersion.scheme_id, SchemeVersion.effective_from,
                                                             SchemeVersion.id)).all()
    schemes: dict[str, list[SchemeVersion]] = {}
    for row in rows:
        schemes.setdefault(row.scheme_id, []).append(row)
    bureaus = dict(get_session().exec(select(Bureau.id, Bureau.name).where(
        Bureau.id.in_({r.bureau_id for r in rows if r.bureau_id} or {-1}))).all())
    return render("schemes/list.html", schemes=schemes, bureaus=bureaus,
                  may_upload=current_user.role == "admin")


def _upload_form() -> UploadForm:
    form = UploadForm()
    if current_user.is_platform_admin:
        form.bureau_id.choices = [(0, _("全平台（各人社局均可使用）"))] + [
            (b.id, b.name) for b in get_session().exec(select(Bureau).order_by(Bureau.id))]
    else:
        form.bureau_id.choices = [(current_user.bureau_id, "")]
        form.bureau_id.data = current_user.bureau_id
    return form


@bp.route("/schemes/upload", methods=["GET", "POST"])
@roles_required("admin")
def upload_scheme():
    form = _upload_form()
    result = None
    if form.validate_on_submit():
        scheme_file, cases_file = form.read("scheme_file"), form.read("cases_file")
        if scheme_file and cases_file:
            result = services.upload(current_user, scheme_file[0], scheme_file[1], cases_file[0], cases_file[1],
                                     form.bureau_id.data or None)
            if result.version is not None:
                flash(_("已上传为第%(n)s版（草稿）", n=result.version.version), "success")
                return redirect(url_for(".show_version", version_id=result.version.id))
    status = 422 if form.is_submitted() else 200
    return render("schemes/upload.html", form=form, result=result, status=status)


@bp.get("/schemes/versions/<int:version_id>")
@roles_required(*STAFF)
def show_version(version_id: int):
    version = get_or_404(SchemeVersion, version_id)
    scheme = services.version_scheme(version)
    previous = services.previous_version(version)
    from rules.schemes.diff import diff_schemes

    changes = diff_schemes(services.version_scheme(previous), scheme) if previous is not None else []
    results = services.run_version_cases(version)
    refusal = None if version.published else services.publication_refusal(version, current_user)
    bureau = get_session().get(Bureau, version.bureau_id) if version.bureau_id else None
    return render("schemes/version.html", version=version, scheme=scheme, previous=previous, changes=changes,
                  results=results, refusal=refusal, bureau=bureau,
                  may_manage=services.may_manage(current_user, version.bureau_id),
                  publish_form=PublishForm(), discard_form=DiscardForm())


@bp.post("/schemes/versions/<int:version_id>/publish")
@roles_required("admin")
def publish_version(version_id: int):
    version = get_or_404(SchemeVersion, version_id)
    target = url_for(".show_version", version_id=version.id)
    form = PublishForm()
    if was_submitted(form) or version.published:
        return already_done(target)
    if not form.validate_on_submit():
        abort(400)
    try:
        claim_once(form, current_user, "publish_scheme_version")
        services.publish(version.id, current_user)
    except AlreadySubmitted:
        return already_done(target)
    except services.UploadRefused as exc:
        get_session().rollback()
        flash(str(exc), "error")
        return redirect(target)
    flash(_("第%(n)s版已发布：自%(day)s起开始的考核周期按此版本评分", n=version.version,
            day=_day(version.effective_from)), "success")
    return redirect(target)


@bp.post("/schemes/versions/<int:version_id>/discard")
@roles_required("admin")
def discard_version(version_id: int):
    version = get_or_404(SchemeVersion, version_id)
    form = DiscardForm()
    if was_submitted(form):
        return already_done(url_for(".list_schemes"))
    if not form.validate_on_submit():
        abort(400)
    try:
        claim_once(form, current_user, "discard_scheme_version")
        services.discard(version.id, current_user)
    except AlreadySubmitted:
        return already_done(url_for(".list_schemes"))
    except services.UploadRefused as exc:
        get_session().rollback()
        flash(str(exc), "error")
        return redirect(url_for(".show_version", version_id=version.id))
    flash(_("草稿已删除"), "success")
    return redirect(url_for(".list_schemes"))


def _day(value):
    from portal.filters import day

    return day(value)


@bp.context_processor
def _words():
    from portal.schemes import problems

    return {"problem_line": problems.problem_line, "cases_error_text": problems.cases_error_text,
            "mismatch_text": problems.mismatch_text, "method_name": problems.method_name,
            "kind_name": problems.kind_name, "change_words": problems.change_words,
            "rule_name": problems.rule_name, "due_words": problems.due_words, "rule_effect": problems.rule_effect,
            "item_words": problems.item_words}


@bp.app_template_filter("scheme_number")
def scheme_number(value) -> str:
    """A figure as the document writes it: 2,000 · 62.5 · 0.01."""
    from decimal import Decimal

    from rules.scoring.numbers import fmt_num

    return "" if value is None else fmt_num(Decimal(str(value)))

"""Publishing results, objections (logged in, scoped as usual) and the public pages under /public (no login)."""
from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from datetime import datetime, time, timezone
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, flash, has_request_context, make_response, redirect,
                   render_template, request, url_for)
from flask import session as cookie_session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.http import is_resource_modified

from portal.activities import services as activities
from portal.activities.evidence import MB
from portal.scoping import get_or_404, roles_required, scoped
from portal.db import get_session, utcnow
from portal.forms import AlreadySubmitted, already_done, claim_once, was_submitted
from portal.htmx import is_htmx, render
from portal.paging import page_of
from portal.organisations.models import Bureau
from portal.publication import services
from portal.publication.forms import AnswerForm, ObjectionEvidenceForm, ObjectionForm, PublishForm
from portal.publication.models import IllegalObjection, Objection, Publication, PublishedResult

bp = Blueprint("publication", __name__)

BUREAU_ROLES = ("reviewer", "approver", "admin")


# -- the bureau and the operators, logged in ----------------------------------------------------------


@bp.app_template_filter("version_effective_day")
def version_effective_day(version: str):
    return services.version_effective_day(version)


@bp.get("/publications")
@login_required
def list_publications():
    page = page_of(scoped(Publication).order_by(Publication.published_at.desc(), Publication.id.desc()))
    groups = services.cycle_groups(current_user.bureau_id) if current_user.is_bureau_user else []
    return render("publication/publications.html", publications=page.items, page=page, groups=groups)


def _publish_context():
    if not current_user.is_bureau_user:
        abort(404)
    scheme_id, cycle_id = request.args.get("scheme_id", ""), request.args.get("cycle_id", "")
    group = services.candidates(current_user.bureau_id, scheme_id, cycle_id)
    if not group:
        abort(404)
    return scheme_id, cycle_id, group, services.latest_version(current_user.bureau_id, scheme_id, cycle_id)


def _publish_page(form, status=200):
    scheme_id, cycle_id, group, previous = _publish_context()
    return render("publication/publish.html", status=status, form=form, group=group, previous=previous,
                  scheme_id=scheme_id, cycle_id=cycle_id, cycle_label=group[0].cycle.label)


@bp.get("/publications/new")
@roles_required(*BUREAU_ROLES)
def show_publish_form():
    return _publish_page(PublishForm())


@bp.get("/publications/new/confirm")
@roles_required("approver")
def confirm_publish_step():
    """What publishing does, stated before it is done: who is published, who is left out, until when objections
    are taken (an htmx fragment with the form's values)."""
    from rules.workdays import add_working_days

    scheme_id, cycle_id, group, previous = _publish_context()
    form = PublishForm(formdata=request.args, meta={"csrf": False})
    valid = form.validate()
    left_out = {c.contract.id: request.args.get(f"leave_out_{c.contract.id}", "").strip() for c in group}
    published = [c for c in group if c.approval and not left_out[c.contract.id]]
    deadline = (add_working_days(services.local_day(utcnow()), int(form.notice_days.data)) if valid else None)
    return render("publication/confirm_publish.html", "publication/_confirm_publish.html", form=form, valid=valid,
                  group=group, published=published, left_out=left_out, previous=previous, deadline=deadline,
                  scheme_id=scheme_id, cycle_id=cycle_id, cycle_label=group[0].cycle.label)


@bp.post("/publications/new")
@roles_required("approver")
def publish_results():
    """The approver publishes (or, for a published cycle, publishes a corrected version)."""
    scheme_id, cycle_id, group, _previous = _publish_context()
    form = PublishForm()
    if not form.validate_on_submit():
        return _publish_page(form, status=422)
    left_out = {c.contract.id: request.form.get(f"leave_out_{c.contract.id}", "") for c in group
                if request.form.get(f"leave_out_{c.contract.id}", "").strip()}
    session = get_session()
    try:
        publication = services.publish(get_or_404(Bureau, current_user.bureau_id), scheme_id, cycle_id,
                                       current_user, notice_days=form.notice_days.data, left_out=left_out,
                                       change_note=form.change_note.data or "")
    except services.PublishRefused as exc:
        session.rollback()
        flash(str(exc), "error")
        return _publish_page(form, status=422)
    session.commit()
    flash(_("已公示，异议截止日期：%(day)s", day=publication.objection_deadline.isoformat()), "success")
    return redirect(url_for(".show_publication", publication_id=publication.id))


@bp.get("/publications/<int:publication_id>")
@login_required
def show_publication(publication_id: int):
    return _publication_page(get_or_404(Publication, publication_id))


def _publication_page(publication: Publication, *, bound: tuple[int, FlaskForm] | None = None, status: int = 200):
    """The publication as the user may see it. `bound` is (the row's or the objection's id, a submitted form
    with its errors): a refused objection, evidence upload or answer shows next to its fields, as typed."""
    def form_for(form_class, key):
        if bound and isinstance(bound[1], form_class) and bound[0] == key:
            return bound[1]
        return form_class(formdata=None)

    session = get_session()
    rows = session.exec(scoped(PublishedResult).where(PublishedResult.publication_id == publication.id)
                        .order_by(PublishedResult.rank.is_(None), PublishedResult.rank, PublishedResult.id)).all()
    objections = {row.id: services.objections_for(row) for row in rows}
    every = [o for objs in objections.values() for o in objs]
    objection_forms = {row.id: form_for(ObjectionForm, row.id) for row in rows}
    for row in rows:
        objection_forms[row.id].target.choices = _targets(row)
    return render("publication/publication.html", status=status, publication=publication, rows=rows,
                  objections=objections, objection_forms=objection_forms,
                  evidence_forms={o.id: form_for(ObjectionEvidenceForm, o.id) for o in every},
                  answer_forms={o.id: form_for(AnswerForm, o.id) for o in every},
                  evidence={o.id: activities.attachments_of(o) for o in every},
                  takes_evidence={o.id: services.evidence_refusal(o, current_user) is None for o in every},
                  row_states=services.result_states(publication, rows),
                  states=services.RESULT_STATES,
                  window_open=services.window_open(publication), current=services.is_current(publication),
                  versions=services.versions_of(publication), max_mb=f"{round(activities.max_evidence_bytes() / MB, 1):g}")


def _targets(row: PublishedResult) -> list[tuple[str, str]]:
    return [("", _("总体结果"))] + [(line["path"], f"{line['title']}（{line['points']}）") for line in row.lines]


@bp.post("/results/<int:result_id>/objections")
@roles_required("operator")
def file_objection(result_id: int):
    """The operator's objection with its evidence; a refusal shows next to the fields, nothing is kept."""
    row = get_or_404(PublishedResult, result_id)
    publication = get_or_404(Publication, row.publication_id)
    form = ObjectionForm()
    form.target.choices = _targets(row)
    if was_submitted(form):
        return already_done(url_for(".show_publication", publication_id=publication.id))
    if refusal := services.objection_refusal(row, current_user):  # said even though the form is gone
        form.form_errors.append(refusal)
        return _publication_page(publication, bound=(row.id, form), status=422)
    if not form.validate_on_submit():
        return _publication_page(publication, bound=(row.id, form), status=422)
    try:
        claim_once(form, current_user, "file_objection")
        services.file_objection(row, current_user, target=form.target.data or "", text=form.text.data,
                                evidence=form.evidence.data or "", files=form.checked_files)
    except AlreadySubmitted:
        return already_done(url_for(".show_publication", publication_id=publication.id))
    except IllegalObjection as exc:
        get_session().rollback()
        form.form_errors.append(str(exc))
        return _publication_page(publication, bound=(row.id, form), status=422)
    flash(_("异议已提交，已通知人社局，请等待局方答复"), "success")
    return redirect(url_for(".show_publication", publication_id=row.publication_id))


@bp.post("/objections/<int:objection_id>/evidence")
@roles_required("operator")
def add_objection_evidence(objection_id: int):
    """More evidence files for an open objection while the notice period runs."""
    objection = get_or_404(Objection, objection_id)
    publication = get_or_404(Publication, objection.publication_id)
    form = ObjectionEvidenceForm()
    if refusal := services.evidence_refusal(objection, current_user):  # answered or closed: the form is gone
        flash(refusal, "error")
        return _publication_page(publication, status=422)
    if not form.validate_on_submit():
        return _publication_page(publication, bound=(objection.id, form), status=422)
    try:
        services.add_evidence(objection, current_user, form.checked_files)
    except IllegalObjection as exc:
        get_session().rollback()
        flash(str(exc), "error")
        return _publication_page(publication, status=422)
    flash(_("证据文件已上传"), "success")
    return redirect(url_for(".show_publication", publication_id=objection.publication_id))


@bp.post("/objections/<int:objection_id>/answer")
@roles_required("reviewer", "approver")
def answer_objection(objection_id: int):
    """The bureau's answer, with its (public) reasons; a refusal shows next to the fields."""
    objection = get_or_404(Objection, objection_id)
    publication = get_or_404(Publication, objection.publication_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _publication_page(publication, bound=(objection.id, form), status=422)
    try:
        claim_once(form, current_user, "answer_objection")
        services.answer_objection(objection, current_user, upheld=form.verdict.data == "upheld",
                                  reason=form.reason.data)
    except AlreadySubmitted:
        return already_done(url_for(".show_publication", publication_id=publication.id))
    except IllegalObjection as exc:
        get_session().rollback()
        if objection.state == "open":  # reasons that may not go public: said next to them
            form.reason.errors = [str(exc)]
        else:  # answered meanwhile: the form is gone
            flash(str(exc), "error")
        return _publication_page(publication, bound=(objection.id, form), status=422)
    get_session().commit()
    flash(_("已答复") + ("：" + _("异议成立，请重新开启考核、更正并审批后发布更正版本") if objection.state == "upheld" else ""),
          "success")
    return redirect(url_for(".show_publication", publication_id=objection.publication_id))


# -- the public: no login, published snapshots only ----------------------------------------------------
# Published rows are public by design (公示), whoever asks: they are read by id without tenant scoping,
# and nothing here reads a live contract, sheet or submission.

PUBLIC_MAX_AGE = 300  # seconds a browser or proxy may reuse a public page before asking again (then: 304)


@functools.cache
def _release() -> str:
    """The templates and catalogs this process renders with: a new release changes every ETag."""
    digest = hashlib.sha256()
    for folder in (Path(current_app.root_path, current_app.template_folder), Path(current_app.root_path, "translations")):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".html", ".svg", ".mo"):
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cacheable(scope: str | None = None, arg: str | None = None):
    """A public page (or file) that browsers and proxies may keep, built from the publications of `scope`
    (services.STAMP_SCOPES, given the view argument `arg`; None: every publication). Their validator is read
    in one query (`services.public_stamp`) before anything is rendered: the ETag hashes it with the URL, the
    language, the Shanghai day (the notice period's state changes at midnight) and the release; Last-Modified
    is the latest publication or objection time (not before today's midnight). A matching If-None-Match (or
    If-Modified-Since) answers 304 without rendering. Anonymous only: a logged-in user's page stays
    `private, no-store` like every page behind a login; nothing here writes the session, so an anonymous
    visitor is sent no cookie."""
    def decorate(view):
        @functools.wraps(view)
        def wrapped(**view_args):
            if current_user.is_authenticated:
                response = make_response(view(**view_args))
                response.headers["Cache-Control"] = "private, no-store"
                return response
            token, changed = services.public_stamp(scope, view_args[arg] if arg else None)
            today = services.local_day(utcnow())
            last_modified = datetime.combine(today, time(), services.SHANGHAI).astimezone(timezone.utc)
            if changed is not None and changed > last_modified:
                last_modified = changed
            etag = hashlib.sha256("|".join((request.full_path, str(get_locale()), str(is_htmx()), today.isoformat(),
                                            token, _release())).encode()).hexdigest()[:32]
            if is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
                response = _rendered(etag, view, view_args)
            else:
                response = Response(status=304)
            response.set_etag(etag)
            response.last_modified = last_modified
            response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
            response.vary.update(("Accept-Language", "Cookie", "HX-Request"))
            return response
        return wrapped
    return decorate


class _Rendered:
    """Public answers kept by their ETag in this process (issue #16): the ETag already names everything the
    answer is built from (the URL, the language, the day, the publications' stamp, the release), so the same
    ETag is the same bytes, and a visitor without a cache of its own is answered without rendering again.
    Least recently used first out, within a byte budget."""

    def __init__(self, budget: int, largest: int):
        self.budget, self.largest, self.used = budget, largest, 0
        self.entries: OrderedDict[str, tuple[int, list, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, etag: str) -> tuple[int, list, bytes] | None:
        with self.lock:
            entry = self.entries.get(etag)
            if entry is not None:
                self.entries.move_to_end(etag)
            return entry

    def put(self, etag: str, entry: tuple[int, list, bytes]) -> None:
        size = len(entry[2])
        if size > self.largest:
            return
        with self.lock:
            if etag in self.entries:
                return
            self.entries[etag] = entry
            self.used += size
            while self.used > self.budget:
                _key, (_s, _h, body) = self.entries.popitem(last=False)
                self.used -= len(body)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.used = 0


def rendered_cache() -> _Rendered:
    """This application's cache of public answers (one per app: a test's app never sees another's)."""
    return current_app.extensions.setdefault("kaohe_public_rendered",
                                             _Rendered(budget=32 * 1024 * 1024, largest=4 * 1024 * 1024))


def _rendered(etag: str, view, view_args: dict) -> Response:
    """The view's answer, from rendered_cache() when this ETag was rendered before. Only a visitor with no session
    (no session cookie: the page cannot depend on it) is served or stored, and only a whole 200 answer that
    sets no cookie."""
    plain = current_app.config["SESSION_COOKIE_NAME"] not in request.cookies
    cache = rendered_cache()
    if plain and (entry := cache.get(etag)) is not None:
        status, headers, body = entry
        return Response(body, status=status, headers=headers)
    response = make_response(view(**view_args))
    if plain and response.status_code == 200 and not response.is_streamed and "Set-Cookie" not in response.headers \
            and not cookie_session.modified:
        cache.put(etag, (response.status_code, [(k, v) for k, v in response.headers.items()
                                                   if k.lower() != "content-length"], response.get_data()))
    return response


@bp.url_defaults
def _keep_language(endpoint: str, values: dict) -> None:
    """A language chosen on a public page (`?lang=en`) stays in the links between public pages."""
    if (endpoint.startswith("publication.public") and "lang" not in values and has_request_context()
            and (lang := public_language()) is not None):
        values["lang"] = lang


def public_language() -> str | None:
    lang = request.args.get("lang") if request.path.startswith("/public") else None
    return lang if lang in current_app.config["LANGUAGES"] else None


@bp.context_processor
def _language_links():
    def language_url(code: str) -> str:
        """This page in another language: a plain link (no form, no token, nothing stored)."""
        return url_for(request.endpoint, **{**request.view_args, **request.args.to_dict(), "lang": code})
    return {"language_url": language_url}


def _published(model, pk: int):
    obj = get_session().get(model, pk)
    if obj is None:
        abort(404)
    return obj


@bp.get("/public/")
@cacheable()
def public_index():
    return render("publication/public_index.html", bureaus=services.published_bureaus())


@bp.get("/public/bureaus/<int:bureau_id>")
@cacheable("bureau", "bureau_id")
def public_bureau(bureau_id: int):
    cycles = services.published_versions(bureau_id)
    if not cycles:
        abort(404)
    publications = [versions[-1] for versions in cycles]
    return render("publication/public_bureau.html", bureau_name=publications[0].bureau_name,
                  publications=publications, versions={versions[-1].id: versions for versions in cycles})


@bp.get("/public/publications/<int:publication_id>")
@cacheable("group", "publication_id")
def public_publication(publication_id: int):
    publication = _published(Publication, publication_id)
    rows = services.results_of(publication)
    versions = services.versions_of(publication)
    summaries = services.objection_summaries([(publication, r) for r in rows])
    row_states = services.result_states(publication, rows, summaries=summaries)
    return render("publication/public_publication.html", publication=publication, rows=rows,
                  summaries=summaries, versions=versions, row_states=row_states,
                  state=services.publication_state(row_states.values()), states=services.RESULT_STATES,
                  latest=versions[-1], bins=services.histogram(rows), window_open=services.window_open(publication))


@bp.get("/public/publications/<int:publication_id>.json")
@cacheable("group", "publication_id")
def public_publication_json(publication_id: int):
    data = services.publication_dict(_published(Publication, publication_id))
    return Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json")


@bp.get("/public/publications/<int:publication_id>.csv")
@cacheable("group", "publication_id")
def public_publication_csv(publication_id: int):
    publication = _published(Publication, publication_id)
    results = services.results_of(publication)
    summaries = services.objection_summaries([(publication, r) for r in results])
    states = services.result_states(publication, results, summaries=summaries)
    rows = [services.row_dict(publication, r, states[r.id], summaries[r.id]) for r in results]
    return _csv(services.to_csv(rows), f"publication-{publication.id}.csv")


def _csv(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _svg(template: str, **context) -> Response:
    return Response(render_template(template, **context), mimetype="image/svg+xml")


@bp.get("/public/publications/<int:publication_id>/histogram.svg")
@cacheable("group", "publication_id")
def public_histogram(publication_id: int):
    publication = _published(Publication, publication_id)
    return _svg("publication/_histogram.svg", publication=publication,
                bins=services.histogram(services.results_of(publication)))


@bp.get("/public/results/<int:result_id>")
@cacheable("result", "result_id")
def public_result(result_id: int):
    row = _published(PublishedResult, result_id)
    publication = _published(Publication, row.publication_id)
    return render("publication/public_result.html", row=row, publication=publication,
                  objections=services.public_objections(row), colours=services.HEAT_COLOURS,
                  symbols=services.HEAT_SYMBOLS, counts=services.counts_by_status(row.timeliness),
                  state=services.result_state(publication, row), states=services.RESULT_STATES,
                  latest=services.versions_of(publication)[-1])


@bp.get("/public/results/<int:result_id>/timeliness.svg")
@cacheable("result", "result_id")
def public_timeliness(result_id: int):
    row = _published(PublishedResult, result_id)
    return _svg("publication/_heatmap.svg", row=row, colours=services.HEAT_COLOURS, symbols=services.HEAT_SYMBOLS)


def _history_or_404(operator_id: int):
    history = services.operator_history(operator_id)
    if not history:
        abort(404)
    return history


def _history_states(history) -> dict[int, str]:
    """Each history row's state, with the objections of every row read at once (the query count stays put)."""
    summaries = services.objection_summaries(history)  # history rows are the current versions' (operator_history)
    return {row.id: services.result_states(p, [row], summaries=summaries, current=True)[row.id] for p, row in history}


def _history_rows(history) -> list[dict]:
    summaries = services.objection_summaries(history)
    return [services.row_dict(p, r, services.result_states(p, [r], summaries=summaries, current=True)[r.id],
                              summaries[r.id]) for p, r in history]


@bp.get("/public/operators/<int:operator_id>")
@cacheable()
def public_operator(operator_id: int):
    history = _history_or_404(operator_id)
    return render("publication/public_operator.html", operator_id=operator_id,
                  operator_name=history[-1][1].operator_name, history=history, states=services.RESULT_STATES,
                  row_states=_history_states(history))


@bp.get("/public/operators/<int:operator_id>.json")
@cacheable()
def public_operator_json(operator_id: int):
    history = _history_or_404(operator_id)
    data = {"operator": history[-1][1].operator_name, "results": _history_rows(history)}
    return Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json")


@bp.get("/public/operators/<int:operator_id>.csv")
@cacheable()
def public_operator_csv(operator_id: int):
    history = _history_or_404(operator_id)
    return _csv(services.to_csv(_history_rows(history)), f"operator-{operator_id}.csv")


@bp.get("/public/operators/<int:operator_id>/totals.svg")
@cacheable()
def public_operator_chart(operator_id: int):
    return _svg("publication/_totals.svg", history=_history_or_404(operator_id))


@bp.get("/public/search")
@cacheable()
def public_search():
    query = request.args.get("q", "").strip()[:100]
    return render("publication/public_search.html", fragment="publication/_search_results.html", query=query,
                  found=services.search(query))

"""The user's notifications: the list, opening one (marks it read), and the unread count in the header."""
from functools import lru_cache

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import func, select

from portal.scoping import get_or_404, roles_required, scoped, visible
from portal.db import get_session, utcnow
from portal.htmx import render
from portal.paging import page_of
from portal.notifications import services
from portal.notifications.models import MAIL_STATES, Notification, OutboxMail

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def list_notifications():
    page = page_of(scoped(Notification).where(Notification.user_id == current_user.id)
                   .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return render("notifications/notifications.html", notifications=page.items, page=page)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_notification(notification_id: int):
    note = get_or_404(Notification, notification_id)
    if note.read_at is None:
        note.read_at = utcnow()
        get_session().commit()
    from portal.auth.routes import _safe_next

    return redirect(_safe_next(note.link) if note.link else url_for(".list_notifications"))


@bp.get("/admin/outbox")
@roles_required("admin")
def list_outbox():
    """The bureau admin's view of its accounts' mail (the platform admin's: all of it), by state."""
    state = request.args.get("state", "")
    query = scoped(OutboxMail)
    if state in MAIL_STATES:
        query = query.where(OutboxMail.state_sql() == state)
    page = page_of(query.order_by(OutboxMail.id.desc()))
    return render("notifications/outbox.html", mails=page.items, page=page, state=state, states=MAIL_STATES,
                  describe=services.describe_error,
                  counts=services.outbox_counts(visible(OutboxMail)))


@bp.post("/admin/outbox/<int:mail_id>/retry")
@roles_required("admin")
def retry_mail(mail_id: int):
    mail = get_or_404(OutboxMail, mail_id)
    if mail.sent_at is not None:
        abort(409)
    services.retry_mail(mail, user=current_user)
    flash(_("已重新排队，下一次投递时发送。"), "success")
    return redirect(url_for(".list_outbox", state=request.args.get("state", "")))


@bp.app_context_processor
def _unread_count():
    if not current_user.is_authenticated:
        return {}

    @lru_cache(maxsize=1)
    def unread() -> int:  # once per page, however often the template asks
        return get_session().exec(select(func.count()).select_from(Notification).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None))).one()

    return {"unread_notifications": unread}

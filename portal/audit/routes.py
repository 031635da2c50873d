"""Browsing the audit trail: approvers and admins, filtered by action, actor, object and date."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, request
from sqlmodel import func

from portal.audit.labels import action_label, field_label, object_label
from portal.audit.models import AuditEvent
from portal.scoping import roles_required, scoped
from portal.db import get_session
from portal.htmx import render

bp = Blueprint("audit", __name__)
bp.add_app_template_filter(action_label, "audit_action")
bp.add_app_template_filter(object_label, "audit_object")
bp.add_app_template_filter(field_label, "audit_field")
SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 50


def _day(value: str | None):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None


@bp.get("/audit")
@roles_required("approver", "admin")
def list_audit_events():
    args = request.args
    query = scoped(AuditEvent)
    if args.get("action"):
        query = query.where(AuditEvent.action == args["action"])
    if args.get("actor"):
        query = query.where(AuditEvent.actor_name == args["actor"].strip())
    if args.get("object_type"):
        query = query.where(AuditEvent.object_type == args["object_type"])
    if (start := _day(args.get("from"))) is not None:
        query = query.where(AuditEvent.at >= datetime.combine(start, time(), SHANGHAI))
    if (end := _day(args.get("to"))) is not None:
        query = query.where(AuditEvent.at < datetime.combine(end + timedelta(days=1), time(), SHANGHAI))
    raw = str(args.get("page", "1"))
    # Anything but a plain page number (1e23, -1, 10**30) is the first page, never an overflow in OFFSET.
    page = max(int(raw), 1) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    session = get_session()
    total = session.exec(query.with_only_columns(func.count()).order_by(None)).one()
    events = session.exec(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                          .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    actions = session.exec(scoped(AuditEvent).with_only_columns(AuditEvent.action).distinct()
                           .order_by(AuditEvent.action)).all()
    return render("audit/events.html", fragment="audit/_table.html", events=events, total=total, page=page,
                  page_size=PAGE_SIZE, actions=actions, args=args)

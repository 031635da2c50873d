"""Writing bureaus, operators and credit grades; each write leaves an audit line."""
from __future__ import annotations

from sqlmodel import select

from portal.audit import services as audit
from portal.db import get_session
from portal.organisations.models import CREDIT_KINDS, Bureau, CreditGrade, Operator


def save_bureau(bureau: Bureau | None, data: dict) -> Bureau:
    session = get_session()
    before = audit.snapshot(bureau)
    bureau = bureau or Bureau()
    for key, value in data.items():
        setattr(bureau, key, value)
    session.add(bureau)
    session.flush()
    audit.record("create_bureau" if before is None else "update_bureau", bureau, before=before,
                 bureau_id=bureau.id)
    session.commit()
    return bureau


def credit_code_taken(code: str, exclude_id: int | None = None) -> bool:
    query = select(Operator.id).where(Operator.credit_code == code)
    if exclude_id is not None:
        query = query.where(Operator.id != exclude_id)
    return get_session().exec(query).first() is not None


def save_operator(operator: Operator | None, data: dict, *, registered_by_bureau_id: int | None,
                  audit_bureau_id: int | None = None) -> Operator:
    session = get_session()
    before = audit.snapshot(operator)
    if operator is None:
        operator = Operator(registered_by_bureau_id=registered_by_bureau_id)
    for key, value in data.items():
        setattr(operator, key, value)
    session.add(operator)
    session.flush()
    audit.record("create_operator" if before is None else "update_operator", operator, before=before,
                 bureau_id=audit_bureau_id or registered_by_bureau_id, operator_id=operator.id)
    session.commit()
    return operator


class GradeRecorded(ValueError):
    """This grading (operator, kind, date) is already recorded."""


def add_credit_grade(operator: Operator, data: dict, *, bureau_id: int | None, user=None) -> CreditGrade:
    """Record the issuing authority's grade once, for every bureau the operator works with (see CreditGrade);
    its audit line is seen by each of them (scoping.OPERATOR_WIDE_AUDIT)."""
    from sqlalchemy.exc import IntegrityError

    session = get_session()
    grade = CreditGrade(operator_id=operator.id, recorded_by_id=getattr(user, "id", None),
                        recorded_by_bureau_id=bureau_id, **data)
    session.add(grade)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise GradeRecorded("该评级（类别、评定日期）已记录 / this grading is already recorded") from None
    audit.record("record_credit_grade", grade, bureau_id=bureau_id, operator_id=operator.id,
                 reason=f"{CREDIT_KINDS.get(grade.kind, grade.kind)} {grade.grade} {grade.given_on.isoformat()} "
                        f"{grade.given_by}")
    session.commit()
    return grade


def credit_grades(operator_id: int) -> list[CreditGrade]:
    return list(get_session().exec(
        select(CreditGrade).where(CreditGrade.operator_id == operator_id)
        .order_by(CreditGrade.given_on.desc(), CreditGrade.id.desc())))


def grade_in_force(grades: list[CreditGrade], kind: str) -> CreditGrade | None:
    """The latest grade of a kind (grades come newest first)."""
    return next((g for g in grades if g.kind == kind), None)

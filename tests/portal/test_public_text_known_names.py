"""The names of people a bureau holds are refused in its public texts: portal.publication.services._public_text
(issue #18; issue #13: personal data never goes public; DOMAIN.md: every tenant walled off).

An objection's answer is published with the result, so `_public_text` checks it against the names of the people
the answering bureau holds (portal.privacy.known_names(bureau_id): its stations' staff, its applications'
workers, the names in its ledger rows...). The bureau's own staff member's name is refused, with the message
saying what was found and not repeating it. A name that only ANOTHER bureau holds is not this bureau's personal
data and is accepted: refusing it would make the refusal a probe that tells one bureau who is in another
bureau's records ("人名1处"), across the tenant wall. In the world of tests/conftest.py the staff member of
bureau n's station is 驻站员n; the objection world[n]["objection"] is open and belongs to bureau n.
"""
from __future__ import annotations

from portal.publication.models import Objection
from tests.conftest import login
from tests.portal.test_publication import field_errors

REFUSED = "答复将公开，不得包含身份证号、手机号或人名（发现人名1处）"  # the reader's half of the service's refusal


def _answer(app, username, objection, reason):
    client = app.test_client()
    token = login(client, username)
    return client.post(f"/objections/{objection.id}/answer", data={"verdict": "dismissed", "reason": reason},
                       headers={"X-CSRFToken": token})


def _refused_then_kept(app, db, n, objection, refused: tuple[str, ...], kept: str) -> Objection:
    """Bureau n's reviewer answers with each `refused` reason (422, the field's error, nothing answered), then
    with `kept` (answered): the objection as it then stands."""
    for reason in refused:
        response = _answer(app, f"t{n}-reviewer", objection, reason)
        assert response.status_code == 422, reason
        assert field_errors(response.get_data(as_text=True), f"reason-{objection.id}") == REFUSED
    db.expire_all()
    assert db.get(Objection, objection.id).state == "open", "nothing answered"
    response = _answer(app, f"t{n}-reviewer", objection, kept)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    db.expire_all()
    return db.get(Objection, objection.id)


def test_an_answer_naming_the_bureaus_own_staff_is_refused_and_another_bureaus_staff_is_not_its_data(app, world, db):
    for n, own, others in ((1, "驻站员1", "驻站员2"), (2, "驻站员2", "驻站员1")):
        answered = _refused_then_kept(app, db, n, world[n]["objection"], (f"经核实{own}当日在岗，维持原结果",),
                                      f"经核实{others}当日在岗，维持原结果")
        assert (answered.state, answered.answer) == ("dismissed", f"经核实{others}当日在岗，维持原结果")


def test_an_answer_naming_an_account_holder_is_refused_only_for_the_accounts_own_bureau_or_the_platform(
        app, world, db):
    """Account names (User.display_name) were once taken from every bureau: bureau 1's answer naming bureau 2's
    reviewer was refused, which told bureau 1 that the name is someone's account elsewhere. Now a bureau's own
    accounts and the platform's (no bureau) are its known names; another bureau's accounts are not."""
    for n, name in ((1, "李审核"), (2, "王批准")):
        user = world[n]["users"]["reviewer" if n == 1 else "approver"]
        db.get(type(user), user.id).display_name = name
    platform = world["platform"]
    db.get(type(platform), platform.id).display_name = "赵平台"
    db.commit()
    for n, own, others in ((1, "李审核", "王批准"), (2, "王批准", "李审核")):
        answered = _refused_then_kept(app, db, n, world[n]["objection"],
                                      tuple(f"经{name}核实，维持原结果" for name in (own, "赵平台")),
                                      f"经{others}核实，维持原结果")
        assert answered.answer == f"经{others}核实，维持原结果"

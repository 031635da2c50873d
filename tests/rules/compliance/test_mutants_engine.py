"""The durable_rules wrapper's promises, pinned (issue #18, survivors of rules.compliance.engine).

rules/compliance/README.md, "Errors" and "Engine safety (durable_rules 2.0.28)", and the module docstring of
rules/compliance/engine.py: a fresh session per ruleset per evaluation, facts asserted one by one with unique ids,
the end-of-input marker asserted last (and again in ``finally`` when the run broke off), the session's state always
deleted; a rule's error raised as RuleActionError naming the rule; the state's ``exception`` checked after every
assert; the no-timer host and the rulesets wired once, at import, and refused when the wiring is broken. And what a
finding says: the points in force as a document writes them, the rule's own parameters when the scheme gives none.
"""
from dataclasses import replace
from decimal import Decimal

import pytest
from durable import engine as durable_engine
from durable import lang
from durable.lang import m, ruleset, when_all

from rules.compliance import (ACTIONS, Clause, EngineError, InvalidFacts, Penalty, RuleActionError, RuleMeta,
                              conduct, engine, evaluate)
from rules.compliance.facts import read_input

# A ruleset of this test's own, whose action is a bare durable_rules action (not wrapped by engine.rule): its error
# reaches the engine wrapper only as the session state's ``exception``.
UNWRAPPED = "kaohe_test_unwrapped_action"


def _unwrapped_ruleset() -> str:
    if UNWRAPPED not in engine.HOST._ruleset_directory:
        with ruleset(UNWRAPPED):
            @when_all(m.t == "boom")
            def boom(c):
                raise ValueError("the engine keeps this to itself")

            @when_all(m.t == engine.END)
            def end(c):
                pass
        assert lang.get_host() is engine.HOST
    return UNWRAPPED


def _wujiang(**extra) -> dict:
    """吴江 2022 (seed 004), one individual labour dispute lost on 1 April 2022 (四（五）负面影响 第5项)."""
    facts = {"as_of": "2022-12-31T12:00:00+08:00", "contract": {"id": "WJ-1", "scheme": "wujiang-2022"},
             "operator": {"id": "OP-1"},
             "disputes": [{"id": "d2", "collective": False, "outcome": "lost", "decided_on": "2022-04-01"}]}
    facts.update(extra)
    return facts


def _spy(monkeypatch) -> list:
    """Record what the wrapper asks of the durable_rules host: each assert (ruleset, fact) and each delete."""
    calls = []
    real_assert, real_delete = engine.HOST.assert_fact, engine.HOST.delete_state

    def assert_fact(ruleset_name, fact, complete=None):
        calls.append(("assert", ruleset_name, dict(fact) if isinstance(fact, dict) else fact))
        return real_assert(ruleset_name, fact, complete)

    def delete_state(ruleset_name, sid=None):
        calls.append(("delete", ruleset_name, sid))
        return real_delete(ruleset_name, sid)

    monkeypatch.setattr(engine.HOST, "assert_fact", assert_fact)
    monkeypatch.setattr(engine.HOST, "delete_state", delete_state)
    return calls


def _sessions(calls) -> list[tuple[str, str, list]]:
    """The recorded calls cut into sessions: (ruleset, sid deleted, the asserts before the delete)."""
    sessions, asserts = [], []
    for call in calls:
        if call[0] == "delete":
            sessions.append((call[1], call[2], asserts))
            asserts = []
        else:
            asserts.append(call)
    assert asserts == [], "every session's state is deleted after its last assert"
    return sessions


def _is_end_marker(fact, sid) -> bool:
    return isinstance(fact, dict) and fact.get("t") == "$end" and fact.get("id") == "$end" and fact.get("sid") == sid


# --- errors: what evaluate() raises, word for word ----------------------------------------------------------------

def test_a_failing_rule_is_named_with_the_type_and_text_of_its_error(monkeypatch):
    """README "Errors": RuleActionError names the rule whose action raised, and its message carries the original
    error's type and text; ``__cause__`` is that error."""
    def boom(act, ev):
        raise ZeroDivisionError("division by zero in the rule")

    monkeypatch.setitem(ACTIONS, "conduct.individual_dispute_lost#individual_lost", boom)
    with pytest.raises(RuleActionError) as err:
        evaluate(_wujiang())
    assert err.value.rule_id == "conduct.individual_dispute_lost"
    assert str(err.value) == ("compliance rule conduct.individual_dispute_lost failed: "
                              "ZeroDivisionError: division by zero in the rule")
    assert isinstance(err.value.__cause__, ZeroDivisionError)


def test_a_fact_asserted_twice_in_one_session_is_refused_naming_its_id():
    """Every fact carries a unique id (engine.py docstring): the engine refuses an identical fact in the same
    session, and the wrapper turns that into InvalidFacts naming the fact's id. The session is still deleted:
    the next evaluation finds the dispute once."""
    inp = read_input(_wujiang())
    [dispute] = [fact for fact in conduct.prepare(inp) if fact["t"] == "dispute"]
    with pytest.raises(InvalidFacts) as err:
        engine.evaluate_batches([(conduct.RULESET, [dispute, dict(dispute)])], inp)
    assert str(err.value) == "fact asserted twice in one session: 'dispute:d2'"
    assert err.value.__cause__ is None
    assert [f.dedup_key for f in evaluate(_wujiang())] == ["conduct.individual_dispute_lost|contract=WJ-1|dispute=d2"]


def test_an_error_only_the_engine_state_reports_is_raised_for_an_unknown_rule():
    """README "Engine safety": the state's ``exception`` is checked after every assert. An action that no rule
    wrapper recorded (here a bare durable_rules action) still makes the evaluation raise RuleActionError, for
    "<unknown rule>", with the engine's own text of the error."""
    name = _unwrapped_ruleset()
    inp = read_input(_wujiang())
    with pytest.raises(RuleActionError) as err:
        engine.evaluate_batches([(name, [{"t": "boom", "id": "boom:1"}])], inp)
    assert err.value.rule_id == "<unknown rule>"
    assert str(err.value).startswith(
        "compliance rule <unknown rule> failed: exception caught the engine keeps this to itself, traceback ["), \
        str(err.value)


def test_a_silent_rule_cannot_emit_a_finding():
    """A tally rule only counts (model.Kind.SILENT): asking it to emit a finding is a programming error, refused
    with the rule id and its kind."""
    ev = engine.Evaluation(read_input(_wujiang()))
    with pytest.raises(EngineError) as err:
        ev.emit(conduct.COMPLAINT_COUNT, subject={"contract": "WJ-1"}, evidence={})
    assert str(err.value) == "conduct.complaint_count is a tally rule and cannot emit findings"
    assert ev.findings == {}


def test_rules_fire_only_inside_evaluate():
    """Time and state belong to one evaluation: a fact asserted into the host directly (after an evaluation has
    finished) fires the rule, but its action refuses to run outside evaluate(), as does the end-of-input rule;
    the engine keeps the refusal in the session's state."""
    facts = _wujiang()
    assert len(evaluate(facts)) == 1
    [dispute] = [fact for fact in conduct.prepare(read_input(facts)) if fact["t"] == "dispute"]
    sid = "test-outside-evaluate"
    try:
        state = engine.HOST.assert_fact(conduct.RULESET, dict(dispute, sid=sid))
        assert state["exception"].startswith("exception caught rule fired outside evaluate(), traceback ["), state
        state = engine.HOST.assert_fact(conduct.RULESET, {"t": engine.END, "id": engine.END, "sid": sid})
        assert state["exception"].startswith("exception caught end marker outside evaluate(), traceback ["), state
    finally:
        engine.HOST.delete_state(conduct.RULESET, sid)
    assert len(evaluate(facts)) == 1


# --- sessions: fresh, ended, deleted ------------------------------------------------------------------------------

def test_every_session_is_fresh_ends_with_the_marker_and_is_deleted(monkeypatch):
    """README "Engine safety": a fresh session per ruleset per evaluation (never reused, not even by the next
    evaluation), every fact of it asserted into that session, the end-of-input marker (type and id "$end")
    asserted last and once, then the session's state deleted."""
    calls = _spy(monkeypatch)
    evaluate(_wujiang())
    evaluate(_wujiang())
    sessions = _sessions(calls)
    assert len(sessions) >= 2
    sids = [sid for _, sid, _ in sessions]
    assert all(isinstance(sid, str) and sid for sid in sids) and len(set(sids)) == len(sids), sids
    for name, sid, asserts in sessions:
        assert asserts, name
        assert all(call[1] == name and call[2]["sid"] == sid for call in asserts), asserts
        assert _is_end_marker(asserts[-1][2], sid), asserts[-1]
        assert sum(1 for call in asserts if call[2].get("t") == "$end") == 1, asserts


def test_a_session_that_broke_off_gets_the_end_marker_before_it_is_deleted(monkeypatch):
    """engine.py docstring: deleting a session in which no action fired can crash the process, so when the run
    broke off (a rule raised) the end-of-input marker ("$end", into the same ruleset and session) is asserted
    before the session's state is deleted."""
    def boom(act, ev):
        raise RuntimeError("always")

    monkeypatch.setitem(ACTIONS, "conduct.individual_dispute_lost#individual_lost", boom)
    calls = _spy(monkeypatch)
    with pytest.raises(RuleActionError):
        evaluate(_wujiang())
    name, sid, asserts = _sessions(calls)[-1]
    assert name == conduct.RULESET
    assert [call[2].get("t") for call in asserts[-2:]] == ["dispute", "$end"], asserts
    assert asserts[-1][1] == conduct.RULESET and _is_end_marker(asserts[-1][2], sid), asserts[-1]
    assert sum(1 for call in asserts if isinstance(call[2], dict) and call[2].get("t") == "$end") == 1, asserts


# --- what a finding says -----------------------------------------------------------------------------------------

def test_points_are_written_as_a_document_writes_them():
    """README "Output": the message states the points in force, as a document writes them (no exponent, no
    trailing zeros): 吴江 2022 四（五）第4项 "集体劳动争议案件……每件扣10分" reads 扣10分 / −10, and a scheme line
    that sets 20 points reads 扣20分 / −20."""
    facts = _wujiang(disputes=[{"id": "d1", "collective": True, "outcome": "lost", "decided_on": "2022-03-01"}])
    [finding] = evaluate(facts)
    assert (finding.message_zh, finding.message_en) == ("集体劳动争议案件d1败诉，扣10分", "Collective labour dispute d1 lost, −10")
    facts["compliance"] = [{"rule": "conduct.collective_dispute_lost", "points": "20"}]
    [finding] = evaluate(facts)
    assert finding.penalty.points == Decimal("20")
    assert (finding.message_zh, finding.message_en) == ("集体劳动争议案件d1败诉，扣20分", "Collective labour dispute d1 lost, −20")


_CLAUSE = Clause(seed="004", item="吴人社就〔2022〕15号 四（五）负面影响 第9项", text="测试条款。")


def _meta(**changes) -> RuleMeta:
    fields = dict(id="test.engine_rule", ruleset="kaohe_test", clause=_CLAUSE,
                  message_zh="争议{dispute}扣{points}分，站点{station}", message_en="Dispute {dispute}: −{points} at {station}",
                  schemes=("wujiang-2022",), scheme_item="negative/test_item", scheme_item_label="负面影响 / 测试",
                  scheme_fact="test_fact", penalty=Penalty(points=Decimal("1.50")), severity="notice", kind="violation")
    fields.update(changes)
    return RuleMeta(**fields)


def test_a_rule_the_scheme_does_not_list_speaks_with_its_own_parameters():
    """README "Output": a finding carries the scheme line's item, fact, clause and penalty, "else the rule's own":
    for a rule with no line in the contract's scheme, its own scheme item, fact, penalty and cited document."""
    meta = _meta()
    ev = engine.Evaluation(read_input(_wujiang()))
    finding = ev.emit(meta, subject={"contract": "WJ-1", "dispute": "d9", "station": ""}, evidence={"dispute": "d9"})
    assert finding.scheme_item == "negative/test_item"
    assert finding.scheme_fact == "test_fact"
    assert finding.penalty is meta.penalty
    assert finding.clause == meta.clause.cite() == "吴人社就〔2022〕15号《2022年“乐业吴江”就业协作联盟运营单位绩效考核细则》四（五）负面影响 第9项"
    assert finding.subject == {"contract": "WJ-1", "dispute": "d9"}
    assert list(ev.findings) == ["test.engine_rule|contract=WJ-1|dispute=d9"]


def test_a_placeholder_the_finding_cannot_fill_is_left_as_written():
    """A message template naming a detail the finding does not have keeps the placeholder as written ("{station}")
    rather than failing the evaluation; the others are filled (points as a document writes them: 1.50 → 1.5)."""
    ev = engine.Evaluation(read_input(_wujiang()))
    finding = ev.emit(_meta(), subject={"contract": "WJ-1", "dispute": "d9"}, evidence={})
    assert finding.message_zh == "争议d9扣1.5分，站点{station}"
    assert finding.message_en == "Dispute d9: −1.5 at {station}"


# --- the wiring done at import: refused when broken ---------------------------------------------------------------

def test_a_rule_id_or_an_action_defined_twice_is_refused(monkeypatch):
    """Rule ids are unique (list_rules, the portal's catalogue): a second RuleMeta with an id already taken is
    refused, as is a second action of the same name for one rule; the first definitions stay. Registering the same
    RuleMeta again (several durable rules share one) is allowed."""
    monkeypatch.setattr(engine, "RULES", dict(engine.RULES))
    monkeypatch.setattr(engine, "ACTIONS", dict(engine.ACTIONS))
    original = engine.RULES["conduct.verified_complaint"]
    assert engine.register_meta(original) is original
    with pytest.raises(EngineError) as err:
        engine.register_meta(replace(original))
    assert str(err.value) == "rule id conduct.verified_complaint defined twice"
    assert engine.RULES["conduct.verified_complaint"] is original

    kept = engine.ACTIONS["conduct.verified_complaint#verified_complaint"]

    def verified_complaint(act, ev):
        raise AssertionError("never registered")

    with pytest.raises(EngineError) as err:
        engine.rule(original)(verified_complaint)
    assert str(err.value) == "action conduct.verified_complaint#verified_complaint defined twice"
    assert engine.ACTIONS["conduct.verified_complaint#verified_complaint"] is kept


def test_the_rulesets_are_checked_against_the_host(monkeypatch):
    """Rulesets are registered once, at import, with the no-timer host: the check passes on the real wiring, and
    refuses a host replaced behind our back or a ruleset the host does not know, naming it."""
    engine.register_rulesets()
    monkeypatch.setattr(engine, "RULESETS", engine.RULESETS + ["kaohe_nowhere"])
    with pytest.raises(EngineError) as err:
        engine.register_rulesets()
    assert str(err.value) == "rulesets not registered: ['kaohe_nowhere']"
    monkeypatch.undo()

    monkeypatch.setattr(lang, "_main_host", engine.NoTimerHost())
    with pytest.raises(EngineError) as err:
        engine.register_rulesets()
    assert str(err.value) == "durable.lang host was replaced"


def test_a_host_with_timer_threads_is_refused(monkeypatch):
    """engine.py docstring: the default durable_rules host starts timer threads that read freed state. Installing
    ours again keeps the one in place; if another durable_rules user installed the default host first, import
    fails with an error that says what to do."""
    monkeypatch.setattr(lang, "_main_host", lang._main_host)
    assert engine._install_host() is engine.HOST
    assert lang._main_host is engine.HOST
    default_host = durable_engine.Host.__new__(durable_engine.Host)  # a default host, without starting its timers
    monkeypatch.setattr(lang, "_main_host", default_host)
    with pytest.raises(EngineError) as err:
        engine._install_host()
    assert str(err.value) == ("durable.lang already has a host with timer threads; import rules.compliance before any "
                              "other durable_rules user")
    assert lang._main_host is default_host

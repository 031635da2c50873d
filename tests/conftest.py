"""Fixtures shared by the whole suite.

The suite runs twice in `make test`: on SQLite (DATABASE_URL unset) and on PostgreSQL (DATABASE_URL
set by .ci/with-postgres). The schema is built once per run with the real Alembic migrations; each
test then starts from empty tables (SQLite: a fresh copy of the migrated file; PostgreSQL: every row deleted).
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

import portal.auth.services as _auth_services
from portal import create_app
from portal.cli import upgrade_database

# Passwords hashed at test cost, as Django's test settings do: the portal's argon2id parameters (64 MiB, t=3) cost
# about 0.2 s for each hash and each verify, and the suite builds and logs in thousands of times. A hash carries its
# own parameters, so a cheap one verifies cheaply anywhere; a process of its own (gunicorn, the CLI) keeps the real
# parameters and rehashes at the first login. tests/portal/test_auth.py checks the real hasher and that rehash.
PRODUCTION_HASHER = _auth_services._hasher
_auth_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _keep_url_builders() -> None:
    """Every test builds its app afresh (its own database and configuration), and werkzeug compiles two URL builders
    for each of the app's 140 rules with ast and compile(): 130 ms of create_app's 160 ms, minutes of the suite.
    A builder is made from the rule alone (its text, its parsed parts, its defaults, whether it appends unknown
    arguments) and reads the rule's converters when called, so the tests compile each once and bind it to every
    rule like it. tests/portal/test_urls.py builds every route's URL on such apps."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    builders: dict = {}

    def _compile_builder(self, append_unknown: bool = True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
               tuple((name, type(converter)) for name, converter in self._converters.items()), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = _compile_builder


_keep_url_builders()

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")
PASSWORD = "correct-horse-battery"


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + POSTGRES_URL.split('@')[-1] if ON_POSTGRES else 'SQLite'}"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    if ON_POSTGRES:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        upgrade_database(POSTGRES_URL)
        return POSTGRES_URL
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    url = f"sqlite:///{template}"
    upgrade_database(url)
    return url


# Emptying the test database between tests: every table's rows deleted and its sequence restarted in one round trip
# (foreign keys and the append-only triggers off for the transaction: session_replication_role, which the throwaway
# cluster's superuser may set), then VACUUM, which gives the emptied tables' pages back: each table is again of no
# pages, as after TRUNCATE, so rows are stored and read back in the order they are inserted (a DELETE alone leaves
# the pages, and the slots it frees can be filled out of order). A table VACUUM could not empty (something still
# reads it) is truncated as before. ≈ 40 ms a test on a kept engine, where TRUNCATE of the 37 tables and their 153
# indexes on a new engine for each test took ≈ 150–250 ms.
_DELETE_ALL = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
    EXECUTE format('DELETE FROM %I', r.tablename);
  END LOOP;
  FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
    PERFORM setval(format('%I', r.sequencename), 1, false);
  END LOOP;
END $$
"""
_postgres_engines: dict[str, sa.engine.Engine] = {}


def _empty_postgres(url: str) -> None:
    from portal.schemes.services import install_shipped

    engine = _postgres_engines.get(url)
    if engine is None:
        engine = _postgres_engines[url] = sa.create_engine(url, pool_size=1, pool_pre_ping=True)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(_DELETE_ALL))
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(sa.text(f"VACUUM {', '.join(tables)}"))
        kept = conn.execute(sa.text(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
            "AND relname <> 'alembic_version' AND relpages > 0")).scalar()
    with engine.begin() as conn:
        if kept:
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        install_shipped(conn)  # as after a migration: the shipped schemes' first versions


@pytest.fixture
def database_url(migrated_database, tmp_path):
    if ON_POSTGRES:
        _empty_postgres(migrated_database)
        return migrated_database
    path = tmp_path / "kaohe.sqlite3"
    shutil.copyfile(migrated_database.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config(database_url, tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": True,
        "DATABASE_URL": database_url,
        "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
        "SERVER_NAME": None,
        "TASKS_IMMEDIATE": True,  # tasks run in the caller; tests that need a real consumer start one
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "EXPORT_CACHE_DIR": str(tmp_path / "exports"),
    }


@pytest.fixture
def app(app_config):
    from portal.extensions import limiter

    app = create_app(app_config)
    limiter.reset()
    yield app
    app.extensions["kaohe_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A session of its own for arranging and inspecting data (no app context is pushed, so the test
    client's requests keep their own contexts, exactly as in production)."""
    from sqlmodel import Session

    with Session(app.extensions["kaohe_engine"], expire_on_commit=False) as session:
        yield session


# --- logging in through the real form, CSRF included ---------------------------------------

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client, username: str, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, f"login of {username} failed: {response.status_code}"
    return csrf_token(client, "/")


# --- a world with two tenants of each kind --------------------------------------------------

def build_world(session) -> dict:
    """Two bureaus, each with an operator, station, contract and one user of every role."""
    from portal.auth.models import User
    from portal.auth.services import hash_password
    from portal.contracts.models import Contract, ContractStation, Station
    from portal.organisations.models import Bureau, CreditGrade, Operator
    from rules.identifiers import credit_code_check_char

    hashed = hash_password(PASSWORD)
    world: dict = {}
    for n, code_body in ((1, "91450100MA5K00001"), (2, "91450100MA5K00002")):
        bureau = Bureau(name=f"测试局{n}", short_name=f"测{n}", region="广西", service_centre=f"测试中心{n}")
        session.add(bureau)
        session.flush()
        operator = Operator(name=f"测试运营单位{n}", credit_code=code_body + credit_code_check_char(code_body),
                            licence_no=f"L-{n}", contact_name="联系人", contact_phone="13800000000",
                            registered_by_bureau_id=bureau.id)
        session.add(operator)
        session.flush()
        station = Station(bureau_id=bureau.id, operator_id=operator.id, name=f"站点{n}", kind="gig_market",
                          address="某地", required_staff=2)
        session.add(station)
        session.flush()
        contract = Contract(bureau_id=bureau.id, operator_id=operator.id, number=f"C-{n}", title=f"合同{n}",
                            scheme_id="pingxiang-2024-lot1", scheme_version="test", starts_on=date(2024, 3, 1),
                            ends_on=date(2025, 2, 28), value=Decimal("1885000.00"),
                            payment_plan=[{"label": "预付款", "share": "0.4", "due": ""},
                                          {"label": "结算", "share": "0.6", "due": ""}])
        session.add(contract)
        session.flush()
        session.add(ContractStation(contract_id=contract.id, station_id=station.id))
        grade = CreditGrade(operator_id=operator.id, kind="hr_service", grade="B", given_on=date(2024, 1, 1),
                            given_by="某局")
        session.add(grade)
        from datetime import datetime, timezone

        from portal.reporting.models import Submission

        users = {}
        for role in ("reviewer", "approver", "admin"):
            users[role] = User(username=f"t{n}-{role}", display_name=f"{role}{n}", role=role,
                               bureau_id=bureau.id, password_hash=hashed)
        users["operator"] = User(username=f"t{n}-operator", display_name=f"operator{n}", role="operator",
                                 operator_id=operator.id, password_hash=hashed)
        for user in users.values():
            session.add(user)
        session.flush()
        submission = Submission(contract_id=contract.id, bureau_id=bureau.id, operator_id=operator.id,
                                obligation_key="monthly_plan_summary", period_key="2024-04",
                                due_at=datetime(2024, 4, 5, 15, 59, 59, tzinfo=timezone.utc),
                                submitted_at=datetime(2024, 4, 3, 2, 0, tzinfo=timezone.utc),
                                submitted_by_id=users["operator"].id, figures={"own_recruitment_events": "1"},
                                narrative="四月计划")
        session.add(submission)
        from decimal import Decimal as D

        from portal.violations.models import Violation
        from portal.notifications.models import Notification

        violation = Violation(contract_id=contract.id, bureau_id=bureau.id, operator_id=operator.id,
                              rule_id="deadlines.monthly_plan_late", dedup_key=f"deadlines.monthly_plan_late|m={n}",
                              kind="violation", severity="notice", period="2024-04", clause="seed 002 第9项",
                              message_zh="月度计划逾期", message_en="monthly plan late", evidence={"due": "2024-04-05"},
                              penalty_points=D("0.10"))
        session.add(violation)
        session.flush()
        note = Notification(user_id=users["operator"].id, contract_id=contract.id, dedup_key=f"t|{n}",
                            kind="violation", subject="月度计划逾期", body="…", link="/")
        session.add(note)
        session.flush()
        from portal.ledgers.models import LedgerUpload

        upload = LedgerUpload(contract_id=contract.id, bureau_id=bureau.id, operator_id=operator.id,
                              ledger_type="assistance", filename="帮扶台账.xlsx", size=1, sha256="0" * 64,
                              uploaded_by_id=users["operator"].id, state="rejected", summary="…",
                              errors_xlsx=b"PK\x03\x04 error report")
        session.add(upload)
        session.flush()
        from portal.cycles.models import AssessmentSheet, SheetApproval
        from rules.schemes import load_scheme
        from rules.scoring import score, sheet_to_dict

        # A sheet approved once and then reopened (so nothing is locked): stage 2, 2024-08-01..2024-11-30.
        sheet = AssessmentSheet(contract_id=contract.id, bureau_id=bureau.id, operator_id=operator.id,
                                cycle_id="stage_2", cycle_label="第二阶段验收", cycle_start=date(2024, 8, 1),
                                cycle_end=date(2024, 11, 30), reopen_reason="测试：重新开启",
                                entries={"equipment_findings": {"value": "1", "reason": "抽查发现", "by": "t",
                                                                "at": "2024-12-01T00:00:00"}})
        session.add(sheet)
        session.flush()
        scheme = load_scheme("pingxiang-2024-lot1")
        figures = sheet_to_dict(score(scheme, {}))
        approval = SheetApproval(sheet_id=sheet.id, number=1, contract_id=contract.id, bureau_id=bureau.id,
                                 operator_id=operator.id, cycle_id="stage_2", scheme_id=scheme.id,
                                 scheme_version=figures["scheme_version"], scheme_sha256=scheme.sha256, facts={},
                                 sources={}, figures=figures, total=Decimal(figures["total"]),
                                 approved_by_id=users["approver"].id)
        session.add(approval)
        session.flush()
        from portal.applications.models import ApplicationWorker, StationApplication
        from tests.portal.applications.roster_builders import resident_id

        # seed 001 第二章: an application the first review returned (visible to both sides, editable again).
        application = StationApplication(
            bureau_id=bureau.id, operator_id=operator.id, station_name=f"劳务协作工作站{n}", cooperation_region="贵州省毕节市黔西市",
            applicant_head="申请负责人", applicant_phone="13800000001", partner_name="黔西市就业局", partner_head="合作负责人",
            partner_phone="13800000002", address="金东区某路1号", remote_office="黔西市某路2号", liaison_person="对接人",
            required_staff=2, agreement="与黔西市人社局签订劳务协作协议", term_until=date(2030, 12, 31), commitment=True,
            materials=["business_licence"], roster_state="accepted", roster_filename="名册.xlsx", roster_total_rows=50,
            roster_count=50, roster_summary="共50行，全部通过检查，已接收。", state="returned",
            created_by_id=users["operator"].id, review_reason="请补充办公场所照片", reviewed_by_id=users["reviewer"].id)
        session.add(application)
        session.flush()
        session.add_all([ApplicationWorker(application_id=application.id, bureau_id=bureau.id, operator_id=operator.id,
                                           row_number=i + 2, name=f"工人{i}", resident_id=resident_id(i),
                                           household_registration="贵州省黔西市", employer="金华某公司",
                                           hire_date=date(2024, 3, 5)) for i in range(50)])
        session.flush()
        from portal.findings.models import Finding, FindingEffect

        # seed 002 项目质量标准表 1: a spot check found one member of staff without the uniform (−0.1)
        finding = Finding(contract_id=contract.id, bureau_id=bureau.id, operator_id=operator.id,
                          station_id=station.id, kind="spot_check", found_on=date(2024, 5, 10),
                          description="抽查着装：1人未穿工作服", people="检查员甲", recorded_by_id=users["reviewer"].id)
        session.add(finding)
        session.flush()
        session.add(FindingEffect(finding_id=finding.id, fact_key="no_uniform_person_times", fact_kind="count",
                                  value=D("1"), reason="1人未穿工作服"))
        session.flush()
        from portal.activities.models import ActivityEvent, Attachment, StaffMember

        staff = StaffMember(contract_id=contract.id, bureau_id=bureau.id, operator_id=operator.id,
                            station_id=station.id, name=f"驻站员{n}", post="驻站专员")
        event = ActivityEvent(contract_id=contract.id, bureau_id=bureau.id, operator_id=operator.id,
                              kind="recruitment_fair", held_on=date(2024, 5, 10), place="园区广场", participants=120,
                              created_by_id=users["operator"].id)
        session.add_all([staff, event])
        session.flush()
        attachment = Attachment(contract_id=contract.id, bureau_id=bureau.id, operator_id=operator.id,
                                owner_type="activity_event", owner_id=event.id, filename="现场.png",
                                content_type="image/png", size=len(WORLD_PNG), sha256=hashlib.sha256(WORLD_PNG).hexdigest(),
                                stored_name=f"{n:032x}", uploaded_by_id=users["operator"].id)
        session.add(attachment)
        session.flush()
        from portal.payments.models import Payment

        # The advance (seed 002: 40% on signing) paid in part; a token amount, so it still fits when the tenancy
        # walk edits the contract's value down to ¥1.00.
        payment = Payment(contract_id=contract.id, bureau_id=bureau.id, operator_id=operator.id, line_key="advance",
                          line_label="预付款", amount=Decimal("0.10"), due_when_recorded=Decimal("754000.00"),
                          paid_on=date(2024, 3, 20), bank_reference=f"BANK-{n}-0001",
                          recorded_by_id=users["approver"].id)
        session.add(payment)
        session.flush()
        world[n] = {"bureau": bureau, "operator": operator, "station": station, "contract": contract,
                    "credit_grade": grade, "users": users, "submission": submission,
                    "violation": violation, "notification": note, "upload": upload, "application": application,
                    "sheet": sheet, "approval": approval, "finding": finding,
                    "staff": staff, "event": event, "attachment": attachment,
                    "payment": payment}
        # Consequences on the world's contract that leave it active (other tests report on it): a manual
        # rectification notice still open, and a termination proposal the approver already declined.
        from portal.consequences.models import RectificationNotice, TerminationProposal

        notice = RectificationNotice(contract_id=contract.id, bureau_id=bureau.id, operator_id=operator.id,
                                     clause="seed 002 服务内容 4.监督考核", findings="站点人员不足", issued_on=date(2024, 8, 1),
                                     due_on=date(2024, 9, 1), issued_by_id=users["approver"].id)
        termination = TerminationProposal(contract_id=contract.id, bureau_id=bureau.id, operator_id=operator.id,
                                          reason="整改不通过", clause="seed 002 服务内容 4.监督考核",
                                          effective_on=date(2024, 10, 1), proposed_by_id=users["reviewer"].id,
                                          state="declined", decided_by_id=users["approver"].id,
                                          decision_reason="给予第二次整改机会")
        session.add_all([notice, termination])
        session.flush()
        world[n].update(notice=notice, termination=termination)
        from datetime import timedelta

        from portal.publication.models import Objection, Publication, PublishedResult

        # Stage 2 published from that approval, with an open objection against one line (the objection
        # window runs for 30 days from today, so a test may still object to the whole result).
        publication = Publication(bureau_id=bureau.id, bureau_name=bureau.name, scheme_id=scheme.id,
                                  scheme_version=figures["scheme_version"], cycle_id="stage_2",
                                  cycle_label="第二阶段验收", cycle_start=date(2024, 8, 1), cycle_end=date(2024, 11, 30),
                                  objection_deadline=date.today() + timedelta(days=30),
                                  published_by_id=users["approver"].id)
        session.add(publication)
        session.flush()
        line = figures["items"][0]
        result = PublishedResult(publication_id=publication.id, bureau_id=bureau.id, operator_id=operator.id,
                                 contract_id=contract.id, approval_id=approval.id, operator_name=operator.name,
                                 station_names=[station.name], total=Decimal(figures["total"]), rank=1,
                                 lines=[{"path": line["path"], "title": line["title"], "level": line["level"],
                                         "kind": line["kind"], "max": line["max"], "points": line["points"],
                                         "clause": line["clause"]}])
        session.add(result)
        session.flush()
        objection = Objection(result_id=result.id, publication_id=publication.id, bureau_id=bureau.id,
                              operator_id=operator.id, contract_id=contract.id, target=line["path"], target_title=line["title"],
                              text="该项扣分有误", filed_by_id=users["operator"].id)
        session.add(objection)
        session.flush()
        world[n].update(publication=publication, result=result, objection=objection)
        world[n]["scheme_version"] = bureau_scheme_draft(session, bureau.id, f"example-2024-t{n}",
                                                         users["admin"].id)
    platform = User(username="t-platform", display_name="平台", role="admin", password_hash=hashed)
    session.add(platform)
    session.commit()
    world["platform"] = platform
    return world


EXAMPLE_SCHEME = Path(__file__).parent / "rules" / "schemes" / "checker" / "example-2024.toml"


def example_scheme_files(scheme_id: str = "example-2024") -> tuple[bytes, bytes]:
    """The checker's small valid scheme (renamed to `scheme_id`) and its test cases, all passing."""
    text = EXAMPLE_SCHEME.read_text(encoding="utf-8").replace('id = "example-2024"', f'id = "{scheme_id}"')
    cases = EXAMPLE_SCHEME.with_name("example-2024.cases.toml").read_bytes()
    return text.encode("utf-8"), cases


def bureau_scheme_draft(session, bureau_id: int, scheme_id: str, uploaded_by_id: int):
    """A bureau's own scheme uploaded as a draft (its cases pass), as portal.schemes.services.upload stores it."""
    from portal.schemes.models import SchemeVersion

    text, cases = example_scheme_files(scheme_id)
    version = SchemeVersion(scheme_id=scheme_id, version="1", effective_from=date(2024, 1, 1), title="示例考核细则",
                            document="示人社〔2024〕1号《示例考核细则》", file_name=f"{scheme_id}.toml",
                            sha256=hashlib.sha256(text).hexdigest(), text=text.decode("utf-8"),
                            cases_text=cases.decode("utf-8"), cases_file_name=f"{scheme_id}.cases.toml",
                            cases_passed=True, bureau_id=bureau_id, state="draft", uploaded_by_id=uploaded_by_id)
    session.add(version)
    session.flush()
    return version


# A real 1x1 PNG: the world's evidence attachments are this file, written where EVIDENCE_DIR points.
WORLD_PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                          "0000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082")


def write_world_evidence(app, world) -> None:
    from pathlib import Path

    folder = Path(app.config["EVIDENCE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for n in (1, 2):
        (folder / world[n]["attachment"].stored_name).write_bytes(WORLD_PNG)


@pytest.fixture
def world(db, app):
    built = build_world(db)
    write_world_evidence(app, built)
    return built


def add_contract(db, world, *, scheme_id: str, starts_on, ends_on, number: str, n: int = 1):
    """Another contract for tenant n (e.g. one running now, or under another scheme)."""
    from decimal import Decimal

    from portal.contracts.models import Contract

    side = world[n]
    contract = Contract(bureau_id=side["bureau"].id, operator_id=side["operator"].id, number=number,
                        title=number, scheme_id=scheme_id, scheme_version="test", starts_on=starts_on,
                        ends_on=ends_on, value=Decimal("100.00"), payment_plan=[])
    db.add(contract)
    db.commit()
    return contract

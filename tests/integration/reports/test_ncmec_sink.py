"""The NCMEC sink against the local CyberTipline over real HTTP: the happy path and the faults."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from lxml import etree
from pydantic import SecretStr
from sqlalchemy import select

from childguard.api.metrics import Metrics
from childguard.errors import Conflict, NotConfigured
from childguard.evidence.store import read_media
from childguard.reports import ncmec_xml
from childguard.reports.facts import gather
from childguard.store.models import CaseEvent, CaseSettings, EvidenceItem, Report
from tests.integration.reports.conftest import Fake, ReportWorld


def _one_report(fake: Fake) -> dict[str, object]:
    reports = fake.state()["reports"]
    assert len(reports) == 1, reports
    return next(iter(reports.values()))


def test_a_decided_case_is_filed_submit_upload_fileinfo_finish(
    rworld: ReportWorld, fake_ncmec: Fake
) -> None:
    case_id = rworld.media_case(3)
    rworld.decide(case_id, "A1", ("remove_content",))
    # A reviewer revealed the first file in the review tool: only that one counts as viewed.
    first = rworld.evidence_ids(case_id)[0]
    with rworld.db.session(write=True) as s:
        read_media(s, rworld.settings, rworld.org_id, first, actor=rworld.alice, purpose="review")
    report_id = rworld.file(case_id)
    summary = rworld.run()
    assert summary.finished == 1
    shown = rworld.report(report_id)
    assert shown["status"] == "finished"
    held = _one_report(fake_ncmec)
    assert held["status"] == "finished" and held["finished_times"] == 1
    assert held["summary"]["incident_type"] == ncmec_xml.CSAM_INCIDENT
    assert held["summary"]["reporter_email"] == "safety@example.org"
    files = held["files"]
    assert len(files) == 3
    assert all(f["fileinfo"] == 1 for f in files.values())
    viewed = sorted(f["described"]["viewed"] for f in files.values())
    assert viewed == ["false", "false", "true"]
    assert {f["described"]["classification"] for f in files.values()} == {"A1"}
    # Each step is stored with the sink's ids and the Request-ID of its answer.
    steps = [s["step"] for s in shown["steps"]]
    assert steps == ["submit"] + ["upload", "fileinfo"] * 3 + ["finish"]
    assert all(s["request_id"] for s in shown["steps"])
    assert shown["remote_id"] == next(iter(fake_ncmec.state()["reports"]))
    with rworld.db.session() as s:
        kept = s.scalars(select(EvidenceItem).where(EvidenceItem.case_id == case_id)).all()
        assert all(item.reported_at is not None for item in kept)
        events = [
            e.action for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id))
        ]
    assert "report_queued" in events and "report_finished" in events


def test_report_xml_follows_the_schema_and_order_matters(rworld: ReportWorld) -> None:
    case_id = rworld.chat_case()
    rworld.decide(case_id, "GROOMING", ("suspend_user",))
    with rworld.db.session() as s:
        facts = gather(s, rworld.org_id, case_id)
    document = ncmec_xml.report_xml(facts, ncmec_xml.Reporter("safety@example.org"))
    root = etree.fromstring(document)
    assert [c.tag for c in root][:2] == ["incidentSummary", "internetDetails"]
    user = root.find("personOrUserReported")
    assert user.findtext("personOrUserReportedPerson/phone") == "+85512345678"
    assert (user.findtext("espIdentifier"), user.findtext("screenName")) == (
        "u-77",
        "secret_friend",
    )
    victim = root.find("victim")
    assert (victim.findtext("screenName"), victim.findtext("victimPerson/age")) == ("kid-9", "13")
    assert "don't tell your parents" in root.findtext("internetDetails/chatImIncident/content")
    # Swap two sections: the schema refuses it, as NCMEC would.
    reporter = root.find("reporter")
    root.remove(reporter)
    root.insert(0, reporter)
    with pytest.raises(ncmec_xml.SchemaInvalid):
        ncmec_xml.validate(etree.tostring(root))


def test_a_conversation_only_case_files_online_enticement_with_chat_and_victim(
    rworld: ReportWorld, fake_ncmec: Fake
) -> None:
    case_id = rworld.chat_case()
    rworld.decide(case_id, "GROOMING", ("suspend_user",))
    report_id = rworld.file(case_id)
    assert rworld.run().finished == 1
    held = _one_report(fake_ncmec)
    assert held["summary"]["incident_type"] == ncmec_xml.ENTICEMENT_INCIDENT
    assert held["summary"]["chats"] == 1 and held["summary"]["victims"] == 1
    assert held["files"] == {} and held["finished_times"] == 1
    assert rworld.report(report_id)["status"] == "finished"


def test_undecided_or_unconfirmed_cases_are_refused_409(rworld: ReportWorld) -> None:
    case_id = rworld.media_case(1)
    with pytest.raises(Conflict, match="no decision"):
        rworld.file(case_id)
    with rworld.db.session(write=True) as s:
        s.get(CaseSettings, rworld.org_id).four_eyes = True  # type: ignore[union-attr]
    rworld.decide(case_id, "A1", ("report",), confirm=False)
    with pytest.raises(Conflict, match="second reviewer") as caught:
        rworld.file(case_id)
    assert caught.value.http_status == 409


def test_missing_credentials_name_the_settings(rworld: ReportWorld) -> None:
    case_id = rworld.media_case(1)
    rworld.decide(case_id, "A1", ("remove_content",))
    rworld.settings = rworld.settings.model_copy(
        update={"ncmec_username": "", "ncmec_password": None}
    )
    with pytest.raises(NotConfigured) as caught:
        rworld.file(case_id)
    assert "CHILDGUARD_NCMEC_USERNAME" in caught.value.message
    assert "CHILDGUARD_NCMEC_PASSWORD" in caught.value.message
    assert "CHILDGUARD_NCMEC_URL" not in caught.value.message


def test_wrong_credentials_leave_the_report_in_error_on_the_case_and_counted(
    rworld: ReportWorld, fake_ncmec: Fake
) -> None:
    case_id = rworld.media_case(1)
    rworld.decide(case_id, "A1", ("remove_content",))
    report_id = rworld.file(case_id)
    summary = rworld.run(ncmec_password=SecretStr("wrong"))
    assert summary.errors == {("ncmec", "auth"): 1}
    shown = rworld.report(report_id)
    assert shown["status"] == "error"
    assert shown["error"]["code"] in ("401", "2000") and "refused" in shown["error"]["message"]
    # No retry storm: the next pass leaves it alone.
    assert rworld.run(ncmec_password=SecretStr("wrong")).errors == {}
    assert fake_ncmec.state()["reports"] == {}
    assert [s["step"] for s in rworld.report(report_id)["steps"]] == ["error"]
    with rworld.db.session() as s:
        events = [
            e.action for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id))
        ]
    assert "report_failed" in events
    metrics = Metrics()
    metrics.count_reports(summary)
    assert metrics.reports.labels("ncmec", "error:auth")._value.get() == 1


def test_finish_failing_500_three_times_then_200_is_finished_once(
    rworld: ReportWorld, fake_ncmec: Fake
) -> None:
    case_id = rworld.media_case(2)
    rworld.decide(case_id, "A1", ("remove_content",))
    report_id = rworld.file(case_id)
    fake_ncmec.faults(rules=[{"endpoint": "finish", "kind": "500", "times": 3}])
    retried = 0
    for _ in range(20):
        summary = rworld.run()
        retried += summary.retried
        if summary.finished:
            break
        time.sleep(0.05)
    assert retried == 3
    held = _one_report(fake_ncmec)
    assert held["finished_times"] == 1 and held["finish_calls"] == 1
    assert all(f["fileinfo"] == 1 for f in held["files"].values())
    assert fake_ncmec.state()["calls"]["upload"] == 2
    shown = rworld.report(report_id)
    assert shown["status"] == "finished" and shown["attempts"] == 3


def test_a_lost_finish_answer_is_not_a_second_report(rworld: ReportWorld, fake_ncmec: Fake) -> None:
    case_id = rworld.media_case(1)
    rworld.decide(case_id, "A1", ("remove_content",))
    report_id = rworld.file(case_id)
    fake_ncmec.faults(rules=[{"endpoint": "finish", "kind": "drop", "times": 1}])
    assert rworld.run().retried == 1
    finished = 0
    for _ in range(40):  # the retry is due a few milliseconds later (backoff from 0.01 s)
        finished = rworld.run().finished
        if finished:
            break
        time.sleep(0.05)
    assert finished == 1
    held = _one_report(fake_ncmec)
    assert held["finished_times"] == 1 and held["finish_calls"] == 2  # the second got 5102
    assert rworld.report(report_id)["status"] == "finished"


def test_retract_before_finish_and_not_after(rworld: ReportWorld, fake_ncmec: Fake) -> None:
    from childguard.reports import service

    case_id = rworld.media_case(1)
    rworld.decide(case_id, "A1", ("remove_content",))
    report_id = rworld.file(case_id)
    fake_ncmec.faults(rules=[{"endpoint": "fileinfo", "kind": "500", "times": 1}])
    assert rworld.run().retried == 1  # opened at NCMEC, file uploaded, not finished
    out = service.retract(rworld.db, rworld.settings, rworld.org_id, report_id, rworld.alice)
    assert out["status"] == "retracted"
    held = _one_report(fake_ncmec)
    assert held["status"] == "retracted"
    assert rworld.run().finished == 0  # a retracted report is never sent on
    # Filed again, then finished: now it cannot be retracted.
    again = rworld.file(case_id)
    assert rworld.run().finished == 1
    with pytest.raises(Conflict, match="finished"):
        service.retract(rworld.db, rworld.settings, rworld.org_id, again, rworld.alice)


def test_an_expired_unfinished_report_starts_again(rworld: ReportWorld, fake_ncmec: Fake) -> None:
    case_id = rworld.media_case(2)
    rworld.decide(case_id, "A1", ("remove_content",))
    report_id = rworld.file(case_id)
    fake_ncmec.faults(rules=[{"endpoint": "finish", "kind": "500", "times": 1}])
    assert rworld.run().retried == 1
    first_remote = rworld.report(report_id)["remote_id"]
    fake_ncmec.fake.expire(first_remote)  # NCMEC dropped it (a day passed)
    restarted = finished_now = 0
    for _ in range(40):  # the retry is due a few milliseconds later (backoff from 0.01 s)
        summary = rworld.run()
        restarted += summary.restarted
        finished_now += summary.finished
        if finished_now:
            break
        time.sleep(0.05)
    assert restarted == 1 and finished_now == 1
    state = fake_ncmec.state()["reports"]
    assert state[first_remote]["status"] == "expired"
    finished = [r for r in state.values() if r["status"] == "finished"]
    assert len(finished) == 1 and finished[0]["finished_times"] == 1
    shown = rworld.report(report_id)
    assert shown["generation"] == 1 and shown["remote_id"] != first_remote


def test_the_sink_notices_the_time_limit_itself(rworld: ReportWorld, fake_ncmec: Fake) -> None:
    from datetime import timedelta

    from childguard.store.models import utcnow

    case_id = rworld.media_case(1)
    rworld.decide(case_id, "A1", ("remove_content",))
    report_id = rworld.file(case_id)
    fake_ncmec.faults(rules=[{"endpoint": "finish", "kind": "500", "times": 1}])
    rworld.run()
    with rworld.db.session(write=True) as s:
        row = s.get(Report, report_id)
        assert row is not None
        row.remote_opened_at = utcnow() - timedelta(hours=25)
        row.remote_changed_at = utcnow() - timedelta(hours=2)
    calls_before = fake_ncmec.state()["calls"]["finish"]
    summary = rworld.run()
    assert summary.restarted == 1 and summary.finished == 1
    assert fake_ncmec.state()["calls"]["finish"] == calls_before + 1  # no call on the old one
    assert rworld.report(report_id)["generation"] == 1


def test_a_confirmed_report_action_queues_the_report(rworld: ReportWorld, fake_ncmec: Fake) -> None:
    case_id = rworld.media_case(1)
    with rworld.db.session(write=True) as s:
        s.get(CaseSettings, rworld.org_id).four_eyes = True  # type: ignore[union-attr]
    rworld.decide(case_id, "A1", ("report",), confirm=False)
    with rworld.db.session() as s:
        assert s.scalars(select(Report)).all() == []  # pending: nothing filed yet
    with rworld.db.session() as s:
        from childguard.store.models import CaseDecision

        decision_id = s.scalars(select(CaseDecision.id)).one()
    from childguard.cases import decisions

    with rworld.db.session(write=True) as s:
        decisions.confirm(s, rworld.org_id, case_id, decision_id, rworld.bob)
    assert rworld.run().finished == 1
    assert _one_report(fake_ncmec)["finished_times"] == 1
    with rworld.db.session() as s:
        row = s.scalars(select(Report)).one()
        assert (row.case_id, row.sink, row.status) == (case_id, "ncmec", "finished")


def test_retracting_a_report_ncmec_already_dropped(rworld: ReportWorld, fake_ncmec: Fake) -> None:
    from childguard.reports import service

    case_id = rworld.media_case(1)
    rworld.decide(case_id, "A1", ("remove_content",))
    report_id = rworld.file(case_id)
    fake_ncmec.faults(rules=[{"endpoint": "finish", "kind": "500", "times": 1}])
    assert rworld.run().retried == 1
    fake_ncmec.fake.expire(rworld.report(report_id)["remote_id"])
    out = service.retract(rworld.db, rworld.settings, rworld.org_id, report_id, rworld.alice)
    assert out["status"] == "retracted"
    assert out["steps"][-1]["detail"] == "the report had already expired at NCMEC"


def test_a_timeout_is_retried_with_backoff_and_not_doubled(
    rworld: ReportWorld, fake_ncmec: Fake
) -> None:
    case_id = rworld.media_case(1)
    rworld.decide(case_id, "A1", ("remove_content",))
    report_id = rworld.file(case_id)
    fake_ncmec.faults(rules=[{"endpoint": "finish", "kind": "timeout", "times": 1}], delay=1.0)
    assert rworld.run(ncmec_timeout_seconds=0.3).retried == 1
    shown = rworld.report(report_id)
    assert shown["status"] == "sending" and "timed out" in shown["error"]["message"]
    assert shown["next_attempt_at"] > shown["updated_at"] - timedelta(seconds=1)
    import time

    time.sleep(1.0)  # the late finish lands at the fake meanwhile
    assert rworld.run().finished == 1
    held = next(iter(fake_ncmec.state()["reports"].values()))
    assert held["finished_times"] == 1
    assert rworld.report(report_id)["error"] is None


def test_evidence_deleted_while_finishing_does_not_block_the_receipt(
    rworld: ReportWorld, fake_ncmec: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    from childguard.evidence import store
    from childguard.reports.ncmec_client import NcmecClient

    case_id = rworld.media_case(2)
    rworld.decide(case_id, "A1", ("remove_content",))
    report_id = rworld.file(case_id)
    gone = rworld.evidence_ids(case_id)[0]
    finish = NcmecClient.finish

    def delete_then_finish(self: NcmecClient, remote_id: str) -> object:
        with rworld.db.session(write=True) as s:
            store.delete(s, rworld.settings, rworld.org_id, gone, actor=rworld.alice, reason="test")
        return finish(self, remote_id)

    monkeypatch.setattr(NcmecClient, "finish", delete_then_finish)
    assert rworld.run().finished == 1
    assert rworld.report(report_id)["status"] == "finished"
    with rworld.db.session() as s:
        kept = [s.get(EvidenceItem, i) for i in rworld.evidence_ids(case_id)]
    assert [i.reported_at is not None for i in kept if i is not None and i.id != gone] == [True]

"""What models/ leaves the web app to word, in Welsh (issue 21): every audit-trail sentence
the sentence builder knows, for every kind of subject; background jobs' names and task
titles (stored ones too); match reasons with their values; the Social Value Fund's entries
(stored ones too); the indicators import's problems; and the agreement kinds' own sentences,
with the soft mutation a feminine noun takes after "y"."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import FunctionType

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from brokerage.admin.indicator_problems import indicator_problem
from brokerage.match_reasons import SENTENCES as REASON_SENTENCES
from brokerage.match_reasons import match_reasons, match_reasons_text
from brokerage.officers.agreement_words import CHANGE_LINK, PAID_IN_LIEU, RECORDED, kind_sentence
from brokerage.officers.audit_words import AGREEMENTS, NAMED, PHRASES, REMOVED, SENTENCES, TASK_SENTENCES, sentence_words
from brokerage.officers.fund_words import WORDINGS, fund_entry_description
from brokerage.stored_words import read_back
from brokerage.officers.job_names import JOB_NAMES, TASK_TITLES, _periodic_descriptions, job_name, task_description, task_title
from models import Commitment, User, db
from models.contracts.agreements import KINDS, PLANNING
from models.core.audit_sentences import Sentence, Words
from models.fund.ledger import DESCRIPTIONS, FundEntry
from models.matching.matches import Match
from models.matching.scoring import REASONS
from models.places.indicators import import_indicators
from models.pledges.models import PledgeStatus
from tests.web.welsh_pages import pieces

ROOT = Path(__file__).resolve().parents[2]


def english_left(english_msgid: str, welsh: str) -> list[str]:
    """The msgid's English words (between its placeholders) still in the Welsh text."""
    return [piece for piece in pieces(english_msgid) if piece in welsh]


def both(app, make):
    with app.test_request_context("/"):
        with force_locale("en"):
            english = make()
        with force_locale("cy"):
            welsh = make()
    return english, welsh


# The audit trail ----------------------------------------------------------------------------

WHO = Words("name", {"name": "Sam Officer"})
THINGS = (
    [Words("named", {"table": table, "name": "Laptops"}) for table in NAMED]
    + [Words("removed", {"table": table}) for table in REMOVED]
    + [Words("agreement", {"kind": kind, "name": "BRENT-1"}) for kind in AGREEMENTS]
    + [Words("ballot_withdrawn"), Words("a_round"), Words("round", {"title": "Harlesden 2026"}),
       Words("pledge", {"quantity": 1200, "unit": "laptops", "title": "Laptops"}),
       Words("commitment", {"reference": "BRENT-1"}), Words("match", {"title": "Laptops", "reference": "BRENT-1"}),
       Words("task", {"name": "wards_import", "description": "Wards from wards.geojson"})]
)


def _recorded_actions() -> set[str]:
    """Every action the code records with a literal: record_event("need.created", ...) and
    the actions handed to the needs' and stories' state moves."""
    found = set()
    for folder in ("models", "brokerage", "workers"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                arguments = node.args[:1] if name == "record_event" else node.args[3:4] if name == "_move" else []
                for argument in arguments:
                    found.update(constant.value for constant in ast.walk(argument)
                                 if isinstance(constant, ast.Constant) and isinstance(constant.value, str))
    return {action for action in found if re.fullmatch(r"[a-z_]+\.[a-z_]+", action)}


def test_every_action_the_code_records_has_a_sentence():
    dynamic = {f"pledge.{status.value}" for status in PledgeStatus} | {f"fund.{source}" for source in WORDINGS}
    dynamic |= {"fund.payment_in_lieu", "round.open", "round.closed", "round.published", "need.fully_pledged",
                "commitment.proposed"} | {f"{kind}.translation_{verb}" for kind in ("need", "idea", "round_option")
                                          for verb in ("saved", "removed")}
    recorded = _recorded_actions() | dynamic
    assert len(recorded) > 100
    assert sorted(recorded - set(SENTENCES)) == []


def test_every_audit_sentence_comes_out_in_welsh(app):
    for action, wording in SENTENCES.items():
        english, welsh = both(app, lambda: sentence_words(Sentence(action, WHO, THINGS[0])))
        assert english != welsh and "Sam Officer" in welsh, action
        assert ("Laptops" in welsh) == ("%(thing)s" in wording), welsh
        assert english_left(wording, welsh) == [], welsh
        assert welsh[:1].isupper()


def test_every_kind_of_subject_and_the_system_come_out_in_welsh(app):
    for thing in THINGS:
        for action in ("need.updated", "letters.started", "wards_import.finished", "no_such.action"):
            english, welsh = both(app, lambda: sentence_words(Sentence(action, Words("system"), thing)))
            assert english != welsh, (thing, english)
            assert english.startswith("The system ") and "y system" in welsh, welsh
            for wording in [*NAMED.values(), *REMOVED.values(), *AGREEMENTS.values(), *PHRASES.values(), *TASK_SENTENCES.values()]:
                assert english_left(wording, welsh) == [], (wording, welsh)
    english, welsh = both(app, lambda: sentence_words(Sentence("need.submitted", WHO, THINGS[0])))
    assert (english, welsh) == ("Sam Officer sent the need “Laptops” for review",
                                "Anfonodd Sam Officer yr angen “Laptops” am adolygiad")
    # A feminine noun mutates after the article: y rwymedigaeth gynllunio, y dasg.
    _english, welsh = both(app, lambda: sentence_words(Sentence("contract.updated", WHO, Words("agreement", {"kind": PLANNING, "name": "P-1"}))))
    assert welsh == "Newidiodd Sam Officer y rwymedigaeth gynllunio “P-1”"
    _english, welsh = both(app, lambda: sentence_words(Sentence("wards_import.started", WHO, THINGS[-1])))
    assert welsh == "Dechreuodd Sam Officer y dasg “Wardiau o wards.geojson”"


def test_the_audit_page_is_in_welsh_for_a_welsh_officer(app):
    from tests.browser.test_every_page import seed_world
    from tests.factories import signed_in
    from brokerage.demo import DEMO_PASSWORD

    seed_world(app)
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        officer.locale = "cy"
        db.session.commit()
    page = signed_in(app, "officer@example.org", DEMO_PASSWORD).get("/officers/audit").get_data(as_text=True)
    sentences = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>\s*<td class="govuk-table__cell">[^<]*(?:<br>[^<]*)?</td>\s*</tr>', page)
    assert sentences, "the audit page lists events"
    with app.test_request_context("/"), force_locale("cy"):
        english = [piece for msgid in SENTENCES.values() for piece in pieces(msgid)]
    left = [sentence for sentence in sentences if any(piece in sentence for piece in english)]
    assert left == [], left[:5]


def test_every_state_in_the_change_column_reads_as_its_pages_name_it(app):
    """The audit trail's Change column names a subject's states as its own pages do, in Welsh
    for a Welsh reader; a state no label names is shown as recorded."""
    from brokerage.officers.audit_words import _state_labels, state_word

    labels = _state_labels()
    assert {"needs", "pledges", "organisations", "rounds", "supplier_returns"} <= set(labels)
    for subject_type, states in labels.items():
        for state, label in states.items():
            english, welsh = both(app, lambda: state_word(subject_type, state))
            assert english == label
            assert welsh != english, (subject_type, state, welsh)
    # The same state, named as each subject's pages name it.
    english, welsh = both(app, lambda: (state_word("needs", "published"), state_word("stories", "published")))
    assert english == ("Open", "Published")
    assert welsh == ("Ar agor", "Wedi’i chyhoeddi")
    assert both(app, lambda: state_word("pages", "on")) == ("on", "on")
    assert both(app, lambda: state_word("needs", None)) == ("–", "–")


# Jobs and tasks -----------------------------------------------------------------------------


def test_every_job_has_a_welsh_name_and_every_periodic_description_is_welsh(app):
    from workers.schedule import PERIODIC_JOBS
    import importlib
    import pkgutil
    import workers

    jobs = set()
    for module in pkgutil.iter_modules(workers.__path__):
        for name, value in vars(importlib.import_module(f"workers.{module.name}")).items():
            if isinstance(value, FunctionType) and hasattr(value, "job_options") and value.__module__ == f"workers.{module.name}":
                jobs.add(name)
    assert jobs and jobs <= set(JOB_NAMES), sorted(jobs - set(JOB_NAMES))
    for function in sorted(jobs):
        english, welsh = both(app, lambda: job_name(function))
        assert english != welsh and english_left(english, welsh) == [], (english, welsh)
    marked = set(_periodic_descriptions())
    for periodic in PERIODIC_JOBS:
        assert periodic.description in marked
        english, welsh = both(app, lambda: __import__("flask_babel").gettext(periodic.description))
        assert english != welsh


def test_stored_task_titles_read_in_welsh(app):
    for name in TASK_TITLES:
        values = {"file": "wards 2026.csv", "year": "2025/26"}
        stored = task_description(name, **{key: values[key] for key in re.findall(r"%\((\w+)\)s", TASK_TITLES[name])})
        english, welsh = both(app, lambda: task_title(name, stored))
        assert english == stored and welsh != stored and english_left(TASK_TITLES[name], welsh) == [], welsh
    stored = task_description("letters", num=1250, round="Harlesden 2026")
    assert stored == "1,250 letters for Harlesden 2026"
    assert both(app, lambda: task_title("letters", stored)) == (stored, "1,250 llythyr ar gyfer Harlesden 2026")
    assert both(app, lambda: task_title("ocds_import", "Something else"))[1] == "Something else"


def test_the_jobs_page_names_jobs_in_welsh(app):
    from tests.factories import officer, signed_in

    with app.app_context():
        officer("welsh.officer@example.org", "Gwen Swyddog").locale = "cy"
        db.session.commit()
    page = signed_in(app, "welsh.officer@example.org").get("/officers/jobs").get_data(as_text=True)
    assert '<html lang="cy"' in page
    assert "Anfon crynodebau sy’n ddyledus" in page and '<code class="govuk-body-s">send_due_digests</code>' in page
    assert "Adnewyddu ystadegau’r gronfa ddata (bob nos)" in page
    assert "Refresh the database" not in page


# Match reasons ------------------------------------------------------------------------------


def test_match_reasons_with_values_read_in_welsh(app):
    from dataclasses import replace

    from models.matching.scoring import Priority, score_match
    from tests.matching.test_matching_score import COMMITMENT, NEED, TODAY

    said = score_match(COMMITMENT, replace(NEED, priority=Priority(2, 14, False, "Harlesden")), TODAY).reasons
    assert len(said) >= 5
    match = Match(reasons=list(said))  # as stored; not added to the database
    english, welsh = both(app, lambda: match_reasons(match))
    assert english == [reason[:1].upper() + reason[1:] for reason in said]
    for reason, text in zip(said, welsh):
        key = next(key for key in REASONS if read_back(REASONS[key], reason) is not None)
        assert text != reason[:1].upper() + reason[1:] and english_left(REASON_SENTENCES[key], text) == [], text
    assert welsh[0] == "Yn safle 2 o 14 yn y bleidlais blaenoriaethau ar gyfer Harlesden"
    assert "Mae ei angen erbyn 31 Mawrth 2026 (ymhen 3 mis)" in welsh or any("ymhen 3 mis" in text for text in welsh), welsh


def test_every_reason_wording_is_marked_and_welsh(app):
    assert set(REASON_SENTENCES) == set(REASONS) and all(REASON_SENTENCES[key] == REASONS[key] for key in REASONS)
    for key, wording in REASONS.items():
        values = {name: "Harlesden" for name in re.findall(r"%\((\w+)\)s", wording)}
        english, welsh = both(app, lambda: __import__("flask_babel").gettext(REASON_SENTENCES[key], **values))
        assert english != welsh and english_left(wording, welsh) == [], (key, welsh)


def test_an_officer_reads_whose_commitment_it_is_in_welsh(app):
    from tests.browser.test_every_page import seed_world

    seed_world(app)
    said = ["in Harlesden, one of your commitment's preferred wards", "under the same priority theme as your commitment"]
    with app.app_context():
        commitment = db.session.scalar(select(Commitment).order_by(Commitment.id).limit(1))
        supplier = commitment.contract.supplier.name
        match = Match(reasons=said, commitment=commitment)
        english, welsh = both(app, lambda: match_reasons_text(match, for_others=True))
        db.session.rollback()
    whose = f"{supplier}'" if supplier.endswith("s") else f"{supplier}'s"
    assert english == f"In Harlesden, one of {whose} commitment's preferred wards; under the same priority theme as {whose} commitment."
    assert welsh == f"Yn Harlesden, un o wardiau dewisol ymrwymiad {supplier}; dan thema flaenoriaeth ymrwymiad {supplier}."


# The Social Value Fund ----------------------------------------------------------------------


def test_stored_fund_descriptions_read_in_welsh(app):
    stored = {
        "payment_in_lieu": [DESCRIPTIONS["payment_in_lieu"] % {"supplier": "Acme, Ltd", "kind": kind.label.lower(), "reference": "R-1"}
                            for kind in KINDS.values()],
        "section_106": [DESCRIPTIONS["section_106"] % {"purpose": "Education", "reference": "DA-9"}],
        "ward_vote": [DESCRIPTIONS["ward_vote"] % {"title": "Harlesden 2026"}],
        "need": [DESCRIPTIONS["need"] % {"title": "Laptops", "organisation": "Harlesden Food Hub"}],
    }
    for source, descriptions in stored.items():
        for description in descriptions:
            entry = FundEntry(source=source, description=description)
            english, welsh = both(app, lambda: fund_entry_description(entry))
            assert english == description
            # Not "“Laptops”, Harlesden Food Hub" nor "Acme, Ltd, grant R-1": the same in Welsh.
            if source != "need" and not re.search(r", (contract|grant) R-1$", description):
                assert welsh != description, description
    planning = FundEntry(source="payment_in_lieu", description="Acme, Ltd, planning obligation R-1")
    assert both(app, lambda: fund_entry_description(planning))[1] == "Acme, Ltd, rhwymedigaeth gynllunio R-1"
    assert both(app, lambda: fund_entry_description(FundEntry(source="ward_vote", description="Budget of “Harlesden”")))[1] == "Cyllideb “Harlesden”"
    assert both(app, lambda: fund_entry_description(FundEntry(source="need", description="typed by hand")))[1] == "typed by hand"
    assert set(PAID_IN_LIEU) == set(KINDS)


# The indicators import ----------------------------------------------------------------------

HEADER = "ward_code,indicator,year,value,source\n"


@pytest.mark.parametrize("csv_text", [
    HEADER + "E0501,SPI,2024,1,ONS\n",
    HEADER + "E05013494,SPI,2024,1,ONS\n",
    HEADER + "{code},,2024,1,ONS\n",
    HEADER + "{code},SPI,2024,1,\n",
    HEADER + "{code},SPI,20x4,1,ONS\n",
    HEADER + "{code},SPI,2024,many,ONS\n",
    HEADER + "{code},SPI,2024,1e99,ONS\n",
    HEADER + "{code},SPI,2024,1,ONS\n{code},SPI,2024,2,ONS\n",
    HEADER + "{code},SPI,2024,1,ONS,extra\n",
    HEADER,
    "ward_code,indicator,year,value,source,colour,size\n",
    "ward_code,indicator,year\n",
    "",
    "ward_code,ward_code,indicator,year,value,source\n",
    "\x00binary",
])
def test_every_indicator_import_problem_reads_in_welsh(app, csv_text):
    from models import Ward

    with app.app_context():
        code = db.session.scalar(select(Ward.code).where(Ward.code.like("E05%")).limit(1)) or "E05013494"
        problems = import_indicators(csv_text.replace("{code}", code).encode(), None).problems
        db.session.rollback()
    assert problems
    for problem in problems:
        english, welsh = both(app, lambda: indicator_problem(problem))
        assert english == problem and welsh != problem, problem


def test_a_file_that_is_not_utf8_or_too_big_reads_in_welsh(app):
    with app.app_context():
        for data in ("ward_code\n£".encode("latin-1"), b"x" * (2 * 1024 * 1024 + 10)):
            problems = import_indicators(data, None).problems
            assert problems
            assert all(both(app, lambda: indicator_problem(problem))[1] != problem for problem in problems), problems


# Agreement kinds ----------------------------------------------------------------------------


def test_each_agreement_kind_has_its_own_welsh_sentence(app):
    assert set(CHANGE_LINK) == set(RECORDED) == set(KINDS)
    _english, welsh = both(app, lambda: kind_sentence(CHANGE_LINK, PLANNING))
    assert welsh == "Newid y rwymedigaeth gynllunio"  # rhwymedigaeth is feminine: soft mutation after "y"
    assert both(app, lambda: kind_sentence(CHANGE_LINK, "grant"))[1] == "Newid y grant"  # masculine: no mutation
    assert both(app, lambda: kind_sentence(CHANGE_LINK, "asset_transfer"))[1] == "Newid y trosglwyddiad ased cymunedol"
    assert both(app, lambda: kind_sentence(RECORDED, "investment", reference="INV-1")) == (
        "Investment INV-1 recorded.", "Cofnodwyd buddsoddiad INV-1.")


def test_an_agreements_page_and_form_name_its_kind_in_welsh(app):
    from tests.browser.test_every_page import seed_world
    from tests.factories import signed_in
    from brokerage.demo import DEMO_PASSWORD
    from models import Contract

    seed_world(app)
    with app.app_context():
        contract = db.session.scalar(select(Contract).order_by(Contract.id).limit(1))
        contract.kind = PLANNING
        contract.planning_reference, contract.site, contract.trigger = "21/0001", "Old depot", "on commencement"
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        officer.locale = "cy"
        db.session.commit()
        contract_id, reference = contract.id, contract.reference
    client = signed_in(app, "officer@example.org", DEMO_PASSWORD)
    assert "Newid y rwymedigaeth gynllunio" in client.get(f"/officers/contracts/{contract_id}").get_data(as_text=True)
    form = client.get(f"/officers/contracts/{contract_id}/edit").get_data(as_text=True)
    assert f"<title>Newid rhwymedigaeth gynllunio {reference}" in form


def test_a_commitment_is_named_in_the_readers_language_in_forms(app):
    """The pledge, allocation, split and planning-link forms name a commitment by its
    reference, measure, what is left and its due date: in Welsh with a Welsh date."""
    from datetime import date

    from brokerage.forms.pledges import commitment_label
    from tests import factories

    with app.app_context():
        factories.themes()
        officer = factories.officer()
        supplier = factories.supplier(factories.user("sam@example.org", "Sam Supplier"))
        made = factories.commitment(factories.contract(supplier.id, officer), officer,
                                    factories.measure(need_kind="volunteering").id, 1250, date(2027, 3, 5))
        db.session.commit()
        name, unit = made.measure.name, made.measure.unit
        english, welsh = both(app, lambda: commitment_label(made))
    assert english == f"BRENT-001: {name}, 1,250 of 1,250 {unit} left (due 5 March 2027)"
    assert welsh == f"BRENT-001: {name}, 1,250 o 1,250 {unit} ar ôl (i’w gyflawni erbyn 5 Mawrth 2027)"

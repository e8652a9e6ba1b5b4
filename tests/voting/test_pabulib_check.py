"""The check of issue 12: every `.pb` file under shared/data/pb imports, and `pb tally` agrees with
pabutools 1.2.3 (cost satisfaction, Cost_Sat, and the project's tie-break: lower cost, then more
approvals, then the project id as text) on all of them, for all three rules. Ranked ballots
(Kraków) are counted as approval of the projects they list, by both.

pabutools is run here, live, when it is installed; in CI (CI=true) it must be, and the check
fails loudly if it is not (`make test` installs it with the test extras). It runs on every
file and rule except where pabutools itself takes more than a few seconds (SLOW_IN_PABUTOOLS,
with the time it took): there, and everywhere else too, our count is held to the winners
pabutools computed with no time limit, stored in tests/data/pb_reference.json
(scripts/pabutools_reference.py; tests/test_pb_rules.py holds `flask pb tally` to them).
"""

from __future__ import annotations

import functools
import json
import os
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Role, Round, User, db
from models.voting.count import count_round
from models.voting.pabulib import PbElection, PbProject, PbVote, parse_pb, write_pb
from models.voting.pb_rules import RULES, tally
from models.voting.round_pabulib import import_pb_round
from pb_tally import tally_file
from tests.factories import SHARED_DATA

PB_DATA = SHARED_DATA / "pb"
FILES = sorted(path.name for path in PB_DATA.glob("*.pb"))
REFERENCE = json.loads((Path(__file__).resolve().parents[1] / "data" / "pb_reference.json").read_text())
PABUTOOLS = "1.2.3"

# What pabutools 1.2.3 takes on one core here, parsing apart; its winners for these are the
# stored ones (computed with no time limit), not run again on every test run.
SLOW_IN_PABUTOOLS = {
    ("Netherlands_Amsterdam_309.pb", "equal-shares-add1"): "69 s",
    ("Poland_Warszawa_2023_Mokotow.pb", "equal-shares-add1"): "21 minutes (349 reruns of equal shares)",
    ("Poland_Krakow_2022.pb", "greedy"): "10 to 14 s, after 2 s reading 42,965 ballots",
    ("Poland_Krakow_2022.pb", "equal-shares"): "7 to 15 s, after 2 s reading 42,965 ballots",
    ("Poland_Krakow_2022.pb", "equal-shares-add1"): "61 s counting identical ballots once, 9 minutes otherwise",
}


def test_the_check_covers_every_file_and_every_rule():
    assert len(FILES) == 7
    assert set(REFERENCE["instances"]) == set(FILES)
    assert (REFERENCE["pabutools"], REFERENCE["satisfaction"]) == (PABUTOOLS, "Cost_Sat")
    for name in FILES:
        assert {rule: result["selected"] is not None for rule, result in REFERENCE["instances"][name].items()} == dict.fromkeys(RULES, True), name
    # Each slow case is a real file and rule, so none is skipped by a misspelling.
    assert {name for name, _ in SLOW_IN_PABUTOOLS} <= set(FILES) and {rule for _, rule in SLOW_IN_PABUTOOLS} <= set(RULES)


# Every file imports ----------------------------------------------------------------------------


@pytest.fixture
def officer(make_user):
    return make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)


@pytest.mark.parametrize("name", FILES)
def test_every_file_imports_as_a_round_counted_in_pence_with_pabutools_winners(app, officer, name):
    """The round keeps money in pence and raises shares by 100 pence for add-one: the same
    election in another unit, so the winners pabutools found in the file's own units."""
    election = parse_pb((PB_DATA / name).read_bytes())
    with app.app_context():
        report = import_pb_round((PB_DATA / name).read_bytes(), db.session.get(User, officer))
        count_round(report.round_id)
        db.session.commit()
        round_ = db.session.get(Round, report.round_id)
        assert (report.options, report.ballots) == (len(election.projects), len(election.votes))
        assert round_.budget_pence == election.budget * 100
        for rule in RULES:
            selected = sorted(option.external_id for option in round_.options if option.selected_under(rule))
            assert selected == REFERENCE["instances"][name][rule]["selected"], rule


# pabutools, run here ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pabutools():
    """bench/pabutools_tally.py, which calls pabutools' own parser and rules; or a skip (a
    failure in CI) when pabutools 1.2.3 is not installed."""
    try:
        installed = version("pabutools")
    except PackageNotFoundError:
        installed = None
    if installed != PABUTOOLS:
        found = f"pabutools {installed}" if installed else "no pabutools"
        message = f"The Pabulib check needs pabutools {PABUTOOLS} and found {found}: pip install -e '.[test]'"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from bench import pabutools_tally

    return pabutools_tally


@functools.cache
def _read(pabutools, name: str):
    return pabutools.read(str(PB_DATA / name))


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("rule", RULES)
def test_pb_tally_agrees_with_pabutools_run_here(pabutools, name, rule):
    if (name, rule) in SLOW_IN_PABUTOOLS:
        pytest.skip(
            f"pabutools takes {SLOW_IN_PABUTOOLS[name, rule]} on {name} under {rule}: "
            "its stored winners are checked instead (test_every_file_imports..., tests/test_pb_rules.py)"
        )
    # Add-one reruns equal shares for every unit added to each voter's share: pabutools counts
    # identical ballots once there (the same winners; Świecie's 2,553 voters take 4 s, not 14).
    theirs = pabutools.count(*_read(pabutools, name), rule, grouped=rule == "equal-shares-add1")

    assert tally_file(PB_DATA / name, rule) == theirs
    assert theirs == REFERENCE["instances"][name][rule]["selected"]  # the stored winners are still pabutools'


@st.composite
def decimal_elections(draw) -> PbElection:
    """Small elections with amounts in cents, often close: where a float would round."""
    count = draw(st.integers(min_value=1, max_value=6))
    cents = st.integers(min_value=1, max_value=50_000)
    projects = [PbProject(f"p{j}", Decimal(draw(cents)).scaleb(-2), f"Project {j}") for j in range(count)]
    ballots = draw(st.lists(st.sets(st.sampled_from([project.project_id for project in projects]), min_size=1), min_size=1, max_size=6))
    ballots = ballots * draw(st.sampled_from([1, 3]))
    budget = Decimal(draw(st.integers(min_value=1, max_value=100_000))).scaleb(-2)
    votes = [PbVote(str(number), sorted(ballot)) for number, ballot in enumerate(ballots, start=1)]
    return PbElection({"budget": str(budget), "vote_type": "approval"}, projects, votes)


@settings(max_examples=40, deadline=None)
@given(decimal_elections(), st.sampled_from(RULES))
def test_decimal_amounts_are_counted_as_pabutools_counts_them(pabutools, tmp_path_factory, election, rule):
    """Costs and budgets like 12500.50, written to a file and read by each side's own parser."""
    path = tmp_path_factory.mktemp("decimals") / "election.pb"
    path.write_text(write_pb(election))

    ours = tally_file(path, rule)

    assert ours == pabutools.winners(str(path), rule)
    assert ours == sorted(tally(rule, election.budget, election.costs(), election.approval_ballots()).selected)

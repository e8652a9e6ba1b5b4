"""Costs and budgets with decimals, as many published Pabulib files have them (`400000.0`,
`12500.50`): read exactly, counted exactly (no float rounding changes a winner), imported as
rounds in exact pence and written back as they were. Checked against pabutools itself in
tests/voting/test_pabulib_check.py."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from models import DomainError, Role, Round, User, db
from models.voting.count import count_round
from models.voting.pabulib import PabulibError, parse_pb, write_pb
from models.voting.pb_rules import RULES, tally
from models.voting.round_pabulib import export_round_pb, import_pb_round

# Floats would get this election wrong: 300000.30 - 100000.10 is 200000.19999999998 in binary
# floating point, so the library (200000.20) would no longer fit in what is left.
TIGHT = """META
key;value
description;Exact amounts
num_projects;3
num_votes;5
budget;300000.30
vote_type;approval
rule;greedy
currency;EUR
PROJECTS
project_id;cost;name;selected;description
park;100000.10;Park;1;Trees and benches
library;200000.20;Library;1;Longer opening hours
seeds;0.50;Seeds;0;A packet for every allotment
VOTES
voter_id;vote
1;park,library
2;park,library,seeds
3;park
4;library
5;park,seeds
"""


def test_decimal_costs_and_budget_read_exactly():
    election = parse_pb(TIGHT)

    assert election.budget == Decimal("300000.30")
    assert election.costs() == {"park": Decimal("100000.10"), "library": Decimal("200000.20"), "seeds": Decimal("0.50")}
    # Whole amounts stay ints; "400000.0" is the same amount as 400000.
    whole = parse_pb(TIGHT.replace("budget;300000.30", "budget;400000.0").replace("100000.10", "100000"))
    assert whole.budget == 400000 and isinstance(whole.costs()["park"], int)


def test_amounts_are_written_back_as_they_were_read():
    election = parse_pb(TIGHT.replace("budget;300000.30", "budget;400000.0"))

    text = write_pb(election)

    assert "budget;400000.0\n" in text and "park;100000.10;" in text and "seeds;0.50;" in text
    again = parse_pb(text)
    assert (again.budget, again.costs()) == (election.budget, election.costs())
    assert write_pb(again) == text


@pytest.mark.parametrize("cost", ["100000,10", "1e5", "-100000.10", ".5", "100000.", "", "NaN", "١٠٠"])
def test_amounts_that_are_not_plain_decimals_are_refused_on_their_line(cost):
    """A comma is refused rather than guessed at: `1,000` is a thousand to some and one to others."""
    with pytest.raises(PabulibError) as raised:
        parse_pb(TIGHT.replace("park;100000.10;", f"park;{cost};"))

    assert str(raised.value) == (
        f"line 12: The cost of project 'park' must be a number of at least 0, such as 12500 or 12500.50, not {cost!r}."
    )


def test_greedy_is_exact_where_floats_would_drop_a_winner():
    election = parse_pb(TIGHT)
    assert 300000.30 - 100000.10 < 200000.20  # the float trap is real

    outcome = tally("greedy", election.budget, election.costs(), election.approval_ballots())

    assert sorted(outcome.selected) == ["library", "park"]
    assert outcome.spent == Decimal("300000.30")


def test_every_rule_takes_decimals_and_fractions_and_refuses_floats():
    costs = {"a": Decimal("0.1"), "b": Decimal("0.2"), "c": Fraction(1, 3)}
    ballots = [{"a", "b"}, {"a", "b"}, {"c"}]

    # Equal shares: each voter holds 0.1; a costs each of its two supporters 0.05, and then
    # b's supporters hold 0.1 between them, short of 0.2. Add-one and greedy fill the rest.
    assert {rule: sorted(tally(rule, Decimal("0.3"), costs, ballots).selected) for rule in RULES} == {
        "greedy": ["a", "b"],
        "equal-shares": ["a"],
        "equal-shares-add1": ["a", "b"],
    }
    with pytest.raises(ValueError, match="budget must be a whole number, a Decimal or a Fraction, not 0.3"):
        tally("greedy", 0.3, costs, ballots)
    with pytest.raises(ValueError, match="cost of 'a' must be a whole number, a Decimal or a Fraction"):
        tally("equal-shares", 1, {"a": 0.1}, [{"a"}])
    with pytest.raises(ValueError, match="at least 0"):
        tally("greedy", 1, {"a": Decimal("-0.1")}, [])


@st.composite
def elections(draw):
    options = draw(st.integers(min_value=1, max_value=6))
    costs = {j: draw(st.integers(min_value=0, max_value=1200)) for j in range(options)}
    ballots = draw(st.lists(st.sets(st.integers(min_value=0, max_value=options - 1)), max_size=8))
    ballots = ballots * draw(st.sampled_from([1, 3, 7]))
    budget = draw(st.integers(min_value=0, max_value=3000))
    increment = draw(st.integers(min_value=1, max_value=300))
    return budget, costs, ballots, increment


@settings(max_examples=200, deadline=None)
@given(elections(), st.sampled_from(RULES), st.sampled_from([100, 1000, 3]))
def test_an_election_counted_in_decimals_or_fractions_has_the_winners_of_the_same_election_in_whole_units(
    election, rule, scale
):
    """Every amount divided by 100 (Decimals: pounds and pence) or 1000, or by 3 (Fractions, which
    no decimal can hold): the same election in another unit, so the same winners, and what is
    spent divided alike. Floats would fail this on near ties."""
    budget, costs, ballots, increment = election
    to = (lambda n: Decimal(n) / scale) if scale != 3 else (lambda n: Fraction(n, scale))

    whole = tally(rule, budget, costs, ballots, increment=increment)
    scaled = tally(rule, to(budget), {j: to(cost) for j, cost in costs.items()}, ballots, increment=to(increment))

    assert scaled.selected == whole.selected
    assert scaled.spent == to(whole.spent)
    assert scaled.votes == whole.votes


# Rounds: pence, exactly ---------------------------------------------------------------------------


@pytest.fixture
def officer(make_user):
    return make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)


def test_a_file_with_decimals_imports_in_exact_pence_counts_and_exports_its_amounts(app, officer):
    with app.app_context():
        report = import_pb_round(TIGHT.encode(), db.session.get(User, officer))
        count_round(report.round_id)
        db.session.commit()
        round_ = db.session.get(Round, report.round_id)
        assert round_.budget_pence == 30_000_030
        assert [option.cost_pence for option in round_.options] == [10_000_010, 20_000_020, 50]
        # Counted in pence with add-one by one euro: the winners of the file counted as written.
        election = parse_pb(TIGHT)
        for rule in RULES:
            expected = tally(rule, election.budget, election.costs(), election.approval_ballots()).selected
            assert sorted(option.external_id for option in round_.options if option.selected_under(rule)) == sorted(expected), rule
        exported = export_round_pb(round_, "secret")
    assert "budget;300000.30\n" in exported
    assert [(project.project_id, project.cost) for project in parse_pb(exported).projects] == [
        ("park", Decimal("100000.10")),
        ("library", Decimal("200000.20")),
        ("seeds", Decimal("0.50")),
    ]


@pytest.mark.parametrize(
    "change, message",
    [
        (("seeds;0.50;", "seeds;0.505;"), "line 14: The cost of project 'seeds' (0.505) has more than two decimal places"),
        (("budget;300000.30", "budget;300000.305"), "line 6: The budget (300000.305) has more than two decimal places"),
        (("seeds;0.50;", "seeds;0.00;"), "line 14: Project 'seeds' costs nothing"),
        (("budget;300000.30", "budget;0.0"), "line 6: The budget in META must be more than 0"),
    ],
)
def test_amounts_the_platform_cannot_keep_in_pence_are_refused_on_their_line(app, officer, change, message):
    with app.app_context():
        with pytest.raises(DomainError) as raised:
            import_pb_round(TIGHT.replace(*change).encode(), db.session.get(User, officer))
        db.session.rollback()
        assert message in raised.value.message
        assert db.session.scalars(select(Round)).all() == []


def test_flask_pb_tally_counts_a_file_with_decimals(runner, tmp_path):
    path = tmp_path / "tight.pb"
    path.write_text(TIGHT)

    result = runner.invoke(args=["pb", "tally", str(path), "--rule", "greedy"])

    assert result.exit_code == 0, result.output
    assert result.output == "library\npark\n"

"""The counting rules for participatory budgeting rounds (models/pb_rules.py): small rounds
worked out by hand, random rounds against a slow reference written here to be obviously right,
and every real election against the winners pabutools computed
(scripts/pabutools_reference.py, tests/data/pb_reference.json), through `flask pb tally`."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brokerage import create_app
from models.voting.pb_rules import RULES, Outcome, equal_shares, greedy, tally
from tests.conftest import _config
from tests.factories import SHARED_DATA, TEST_DATA

PB_DATA = SHARED_DATA / "pb"
REFERENCE = json.loads((TEST_DATA / "pb_reference.json").read_text())


# Greedy ------------------------------------------------------------------------------------


def test_greedy_funds_by_votes_and_skips_what_no_longer_fits():
    costs = {"park": 60, "library": 50, "bench": 30, "bins": 10}
    ballots = [{"park", "library"}, {"park", "library"}, {"park", "bench"}, {"bench", "bins"}, {"park"}]

    outcome = greedy(100, costs, ballots)

    # park (4 votes) fits; library (2) no longer does but the count goes on; bench (2) does;
    # bins (1) does.
    assert outcome == Outcome(
        selected=["park", "bench", "bins"], spent=100, votes={"park": 4, "library": 2, "bench": 2, "bins": 1}
    )


def test_greedy_ties_go_to_the_cheaper_option_then_the_lower_key():
    ballots = [{"a", "b", "c"}, {"a", "b", "c"}]

    assert greedy(10, {"a": 6, "b": 5, "c": 5}, ballots).selected == ["b", "c"]
    assert greedy(5, {"b": 5, "a": 5}, [{"a", "b"}]).selected == ["a"]
    # The key is compared as it is, unless the caller says how: "10" < "9" as strings.
    assert greedy(5, {"9": 5, "10": 5}, [{"9", "10"}]).selected == ["10"]
    assert greedy(5, {"9": 5, "10": 5}, [{"9", "10"}], tie_key=int).selected == ["9"]


def test_greedy_never_funds_an_option_costing_more_than_the_budget():
    outcome = greedy(100, {"pool": 101, "mural": 40}, [{"pool"}, {"pool"}, {"mural"}])

    assert outcome.selected == ["mural"]
    assert outcome.votes == {"pool": 2, "mural": 1}


def test_greedy_funds_unapproved_and_free_options_when_money_is_left_as_pabutools_does():
    # With cost satisfaction an option nobody approves and one costing nothing both score 0:
    # they come last, cheapest first, but still fit.
    outcome = greedy(100, {"popular": 50, "unloved": 30, "free": 0}, [{"popular", "free"}])

    assert outcome.selected == ["popular", "free", "unloved"]
    assert outcome.spent == 80


def test_greedy_with_no_ballots_funds_the_cheapest_options_that_fit():
    assert greedy(10, {"a": 6, "b": 5, "c": 4}, []).selected == ["c", "b"]


# Equal shares ------------------------------------------------------------------------------


def test_equal_shares_gives_a_minority_its_share_of_the_budget():
    # 3 of 4 voters want "big" and "other"; the fourth wants "small". Everyone holds 25.
    costs = {"big": 75, "other": 25, "small": 25}
    ballots = [{"big", "other"}, {"big", "other"}, {"big", "other"}, {"small"}]

    assert greedy(100, costs, ballots).selected == ["other", "big"]
    # Before anything is bought every option costs its supporters 1/votes per unit of cost:
    # "big" and "other" tie at 1/3 and the cheaper goes first. Its supporters are then left
    # with 50/3 each, too little for "big"; the fourth voter's 25 buys "small".
    outcome = equal_shares(100, costs, ballots)
    assert outcome.selected == ["other", "small"]
    assert outcome.spent == 50


def test_equal_shares_poor_supporters_pay_what_they_have_and_the_rich_the_rest():
    # 5 voters with 10 each. "x" first (1/4 per unit: its 4 supporters pay 8), leaving v1 with
    # 2. Then "y" costs 12 to v1 and v5: v1 cannot pay half, so pays 2 and v5 pays 10 (5/6 per
    # unit), which beats "z" (9 from v5 alone, 1 per unit) and leaves v5 nothing for "z".
    costs = {"x": 32, "y": 12, "z": 9}
    ballots = [{"x", "y"}, {"x"}, {"x"}, {"x"}, {"y", "z"}]

    outcome = equal_shares(50, costs, ballots)

    assert outcome.selected == ["x", "y"]
    assert outcome.spent == 44


def test_equal_shares_ties_go_to_the_cheaper_option_then_the_lower_key():
    # a and b both cost their two supporters half each of what they are worth: a tie at 1/2.
    assert equal_shares(40, {"b": 20, "a": 10}, [{"a"}, {"a"}, {"b"}, {"b"}]).selected == ["a", "b"]
    # Same cost and same votes: the lower key.
    assert equal_shares(40, {"y": 10, "x": 10}, [{"x"}, {"x"}, {"y"}, {"y"}]).selected == ["x", "y"]
    # The tie decides what is bought, not only the order: after one, the other is unaffordable.
    assert equal_shares(30, {"b": 22, "a": 10}, [{"a", "b"}, {"a", "b"}]).selected == ["a"]
    assert equal_shares(10, {"y": 10, "x": 10}, [{"x", "y"}, {"x", "y"}]).selected == ["x"]


def test_equal_shares_ties_at_the_same_cost_go_to_the_option_with_more_votes():
    # 8 voters with 10 each. "x" goes first (10 from each of 4 supporters: 1/4 per unit) and
    # empties v5. Then "a" costs its 2 supporters 8 each, and "b" its 3 supporters 8 each too,
    # as v5 has nothing left: a tie at 1/2 and at the same cost, which "b" wins on votes; after
    # it v3 has too little left for "a".
    costs = {"a": 16, "b": 16, "x": 40}
    ballots = [{"a"}, set(), {"a", "b"}, {"b"}, {"b", "x"}, {"x"}, {"x"}, {"x"}]

    assert equal_shares(80, costs, ballots).selected == ["x", "b"]


def test_equal_shares_only_funds_what_its_supporters_can_pay_for():
    costs = {"pool": 101, "track": 60, "unloved": 5, "free": 0}
    ballots = [{"pool", "track", "free"}, {"pool", "free"}]

    # Each voter holds 50: the pool is beyond the whole budget, the track beyond its
    # supporter's share, nobody wants "unloved", and a free option gives no satisfaction to
    # count with cost utilities.
    assert equal_shares(100, costs, ballots) == Outcome(
        selected=[], spent=0, votes={"pool": 2, "track": 1, "unloved": 0, "free": 2}
    )


def test_equal_shares_is_exact_when_a_price_is_all_that_a_crowd_of_voters_holds():
    ballots = [{"a", "b"}] * 20

    # 20 each; "a" takes 10 from everyone, and "b" then costs each exactly the 10 they hold.
    assert equal_shares(400, {"a": 200, "b": 200}, ballots).selected == ["a", "b"]
    # A penny more and it is beyond them.
    assert equal_shares(400, {"a": 200, "b": 201}, ballots).selected == ["a"]


def test_equal_shares_with_no_ballots_funds_nothing():
    assert equal_shares(100, {"a": 10}, []).selected == []


def test_add_one_raises_budgets_until_another_option_would_not_fit():
    costs = {"x": 60, "y": 40, "z": 30}
    ballots = [{"x", "z"}, {"x"}, {"x"}, {"y"}]

    # Each voter starts on 25: x (20 from each of its supporters) and nothing else.
    assert equal_shares(100, costs, ballots).selected == ["x"]
    # Greedy breaks the tie between y and z (one vote each) by the lower cost.
    assert greedy(100, costs, ballots).selected == ["x", "z"]
    # At 40 each, y's supporter can pay for it; x, y spend exactly the budget.
    assert equal_shares(100, costs, ballots, add_one=True).selected == ["x", "y"]


def test_add_one_keeps_the_last_outcome_within_budget_and_completes_it_greedily():
    costs = {"a": 8, "b": 8, "c": 2}
    ballots = [{"a", "c"}, {"b", "c"}]

    # From 5 each to 8 each only c is bought; at 9 each c, a and b are (18 > 10), so the
    # outcome at 8 is kept, and greedy fills the rest: a (the lower key of the tied a and b).
    assert equal_shares(10, costs, ballots).selected == ["c"]
    assert equal_shares(10, costs, ballots, add_one=True).selected == ["c", "a"]
    assert tally("equal-shares-add1", 10, costs, ballots) == equal_shares(10, costs, ballots, add_one=True)


def test_add_one_counts_in_the_increment_given():
    costs = {"x": 600, "y": 900, "z": 2000}
    ballots = [{"x", "y"}, {"x", "z"}, {"x", "z"}]

    # In pence with 1000 each: by £1 steps, at 1100 each x then y are bought and z no longer
    # fits. By £2 steps 1100 is never tried: at 1200 all three are (over budget), so the
    # outcome at 1000 (x) is completed greedily, and z has more votes than y.
    assert equal_shares(3000, costs, ballots, add_one=True, increment=100).selected == ["x", "y"]
    assert equal_shares(3000, costs, ballots, add_one=True, increment=200).selected == ["x", "z"]


def test_add_one_with_no_ballots_funds_the_cheapest_options_that_fit():
    assert tally("equal-shares-add1", 10, {"a": 6, "b": 5, "c": 4}, []).selected == ["c", "b"]


def test_tally_refuses_what_it_cannot_count():
    with pytest.raises(ValueError, match="'pool', which is not an option"):
        tally("greedy", 10, {"park": 5}, [{"park"}, {"pool"}])
    with pytest.raises(ValueError, match="unknown rule"):
        tally("borda", 10, {"park": 5}, [])
    with pytest.raises(ValueError, match="cost of 'park'"):
        tally("greedy", 10, {"park": -5}, [])
    with pytest.raises(ValueError, match="budget"):
        tally("greedy", 10.5, {"park": 5}, [])
    with pytest.raises(ValueError, match="increment"):
        tally("equal-shares-add1", 10, {"park": 5}, [], increment=0)


# Random rounds against a slow reference ---------------------------------------------------------


def reference_tally(rule: str, budget: int, costs: dict, ballots: list, increment: int) -> list:
    """pabutools' rules written out plainly: one exact budget per voter, every option priced
    from scratch at every step."""
    votes = {j: sum(j in ballot for ballot in ballots) for j in costs}
    tie = {j: (costs[j], -votes[j], j) for j in costs}

    def fill(chosen: list) -> list:
        left = budget - sum(costs[j] for j in chosen)
        result = list(chosen)
        for j in sorted(costs, key=lambda j: (-(votes[j] if costs[j] else 0), tie[j])):
            if j not in chosen and costs[j] <= left:
                result.append(j)
                left -= costs[j]
        return result

    def price(money: list, supporters: list, cost: int) -> Fraction:
        """Poorest first, each supporter who cannot pay an equal share of what is left pays all
        they have; the rest pay equal shares."""
        left, rich = Fraction(cost), len(supporters)
        for held in sorted(money[i] for i in supporters):
            if left / rich <= held:
                break
            left -= held
            rich -= 1
        return left / rich

    def mes(per_voter: Fraction) -> list:
        money = [per_voter] * len(ballots)
        chosen: list = []
        while True:
            affordable = {}
            for j in costs:
                supporters = [i for i, ballot in enumerate(ballots) if j in ballot]
                if j not in chosen and costs[j] > 0 and supporters and sum(money[i] for i in supporters) >= costs[j]:
                    affordable[j] = price(money, supporters, costs[j])
            if not affordable:
                return chosen
            j = min(affordable, key=lambda j: (affordable[j] / costs[j], tie[j]))
            chosen.append(j)
            for i, ballot in enumerate(ballots):
                if j in ballot:
                    money[i] -= min(money[i], affordable[j])

    if rule == "greedy":
        return fill([])
    if not ballots:
        return fill([]) if rule == "equal-shares-add1" else []
    per_voter = Fraction(budget, len(ballots))
    if rule == "equal-shares":
        return mes(per_voter)
    previous: list = []
    while True:
        chosen = mes(per_voter)
        spent = sum(costs[j] for j in chosen)
        if spent > budget:
            return fill(previous)
        if not any(j not in chosen and costs[j] > 0 and votes[j] > 0 and spent + costs[j] <= budget for j in costs):
            return fill(chosen)
        previous = chosen
        per_voter += increment


@st.composite
def rounds(draw):
    options = draw(st.integers(min_value=1, max_value=6))
    # Small numbers, so that exact ties in votes, costs and prices are common.
    costs = {j: draw(st.integers(min_value=0, max_value=12)) for j in range(options)}
    ballots = draw(st.lists(st.sets(st.integers(min_value=0, max_value=options - 1)), max_size=8))
    # Copies of the same ballots: many voters holding exactly the same budget, so that prices
    # exactly equal to what a whole group holds come up.
    ballots = ballots * draw(st.sampled_from([1, 1, 3, 20]))
    budget = draw(st.integers(min_value=0, max_value=30)) * draw(st.sampled_from([1, 1, 10]))
    increment = draw(st.integers(min_value=1, max_value=3))
    return budget, costs, ballots, increment


@settings(max_examples=300, deadline=None)
@given(rounds(), st.sampled_from(RULES))
def test_rules_agree_with_the_slow_reference(round_, rule):
    budget, costs, ballots, increment = round_

    outcome = tally(rule, budget, costs, ballots, increment=increment)

    assert outcome.selected == reference_tally(rule, budget, costs, ballots, increment)
    assert outcome.spent == sum(costs[j] for j in outcome.selected)
    assert outcome.votes == {j: sum(j in ballot for ballot in ballots) for j in costs}
    assert outcome.spent <= budget


# Real elections against pabutools ----------------------------------------------------------------


@pytest.fixture(scope="module")
def pb_runner(tmp_path_factory, redis_url):
    """The CLI of an app whose database does not exist: counting a file must not need one."""
    instance = tmp_path_factory.mktemp("pb-instance")
    database = instance / "never-created.db"
    app = create_app(_config(instance, f"sqlite:///{database}", redis_url))
    yield app.test_cli_runner()
    assert not database.exists()


CASES = [(name, rule) for name in sorted(REFERENCE["instances"]) for rule in RULES]


@pytest.mark.parametrize("name,rule", CASES)
def test_tally_matches_pabutools_on_real_elections(pb_runner, name, rule):
    expected = REFERENCE["instances"][name][rule]
    # Every case must have pabutools' winners: rerun scripts/pabutools_reference.py if one is missing.
    assert expected["selected"] is not None, f"no reference: {expected.get('not_computed')}"

    result = pb_runner.invoke(args=["pb", "tally", str(PB_DATA / name), "--rule", rule])

    assert result.exit_code == 0, result.output
    assert result.output.split() == expected["selected"]


def test_reference_covers_every_election():
    # Kraków's ranked ballots too, counted by both as approval of the projects they list.
    files = {path.name for path in PB_DATA.glob("*.pb")}

    assert len(files) == 7
    assert set(REFERENCE["instances"]) == files
    assert all(set(rules) == set(RULES) for rules in REFERENCE["instances"].values())


def test_tally_reports_a_malformed_file_with_its_line(pb_runner, tmp_path):
    broken = tmp_path / "broken.pb"
    broken.write_text("META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;ten\nVOTES\nvoter_id;vote\n")

    result = pb_runner.invoke(args=["pb", "tally", str(broken), "--rule", "greedy"])

    assert result.exit_code == 1
    assert "Error: line 7: The cost of project '1' must be a number of at least 0, such as 12500 or 12500.50, not 'ten'." in result.output

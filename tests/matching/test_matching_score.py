"""The pure match scoring (models/matching.py): each factor moves the score the
right way, the reasons read right, consolidation beats scatter, the blocked search
finds what scoring every need would, and allocation follows its rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.matching.scoring import (
    CommitmentFacts,
    NeedFacts,
    NeedIndex,
    OpenCommitment,
    Priority,
    best_needs,
    ordinal,
    propose_allocation,
    reasons_sentence,
    score_match,
    time_until,
    unit_key,
)

TODAY = date(2026, 3, 2)
HARLESDEN, KILBURN = 1, 2
CAPACITY, ENVIRONMENT = 5, 4

COMMITMENT = CommitmentFacts(
    id=7, name="Building community capacity", kind="volunteering", theme_id=CAPACITY, unit="hours",
    remaining=120, due_date=TODAY + timedelta(weeks=6), ward_ids=frozenset({HARLESDEN}),
)
NEED = NeedFacts(
    id=11, kind="volunteering", theme_id=CAPACITY, unit="volunteer hours", remaining=40,
    deadline=TODAY + timedelta(days=90), ward_id=HARLESDEN, ward_name="Harlesden & Kensal Green",
    theme_name="Building community and voluntary sector capacity",
)


def score(commitment=COMMITMENT, need=NEED) -> float:
    return score_match(commitment, need, TODAY).score


# Each factor moves the score the right way ---------------------------------------------


def test_only_a_need_of_the_measures_kind_matches():
    assert score_match(COMMITMENT, replace(NEED, kind="cash"), TODAY) is None
    assert score_match(COMMITMENT, NEED, TODAY) is not None
    assert score_match(replace(COMMITMENT, remaining=0), NEED, TODAY) is None
    assert score_match(COMMITMENT, replace(NEED, remaining=0), TODAY) is None


def test_the_same_theme_scores_higher():
    assert score() > score(need=replace(NEED, theme_id=ENVIRONMENT))


def test_a_preferred_ward_beats_a_borough_wide_need_which_beats_another_ward():
    preferred = score()
    borough_wide = score(need=replace(NEED, ward_id=None, ward_name=None))
    elsewhere = score(need=replace(NEED, ward_id=KILBURN, ward_name="Kilburn"))
    assert preferred > borough_wide > elsewhere
    # With no preferred wards (the contract's whole area), every ward is alike.
    anywhere = replace(COMMITMENT, ward_ids=frozenset())
    assert score(anywhere, NEED) == score(anywhere, replace(NEED, ward_id=KILBURN))


def test_winning_or_ranking_high_in_the_ward_vote_scores_higher():
    none = score()
    last = score(need=replace(NEED, priority=Priority(14, 14, False, "Harlesden")))
    second = score(need=replace(NEED, priority=Priority(2, 14, False, "Harlesden")))
    won = score(need=replace(NEED, priority=Priority(3, 14, True, "Harlesden")))
    assert won > second > last > none


def test_a_more_deprived_ward_scores_higher_and_unknown_sits_between():
    most_deprived = score(need=replace(NEED, imd_rank=1_500))
    unknown = score(need=replace(NEED, imd_rank=None))
    least_deprived = score(need=replace(NEED, imd_rank=30_000))
    assert most_deprived > unknown > least_deprived


def test_a_nearer_need_deadline_scores_higher():
    soon = score(need=replace(NEED, deadline=TODAY + timedelta(days=10)))
    later = score(need=replace(NEED, deadline=TODAY + timedelta(days=90)))
    far = score(need=replace(NEED, deadline=TODAY + timedelta(days=300)))
    assert soon > later > far


def test_a_commitment_due_sooner_scores_higher():
    overdue = score(replace(COMMITMENT, due_date=TODAY - timedelta(days=5)))
    soon = score(replace(COMMITMENT, due_date=TODAY + timedelta(days=100)))
    later = score(replace(COMMITMENT, due_date=TODAY + timedelta(days=300)))
    assert overdue > soon > later


def test_consolidation_beats_scatter():
    completes = score(need=replace(NEED, remaining=100))
    completes_small = score(need=replace(NEED, remaining=5))
    dents = score(need=replace(NEED, remaining=150))
    dents_a_little = score(need=replace(NEED, remaining=5_000))
    # A need the commitment can complete outright ranks above one it would only dent,
    # and using more of the commitment on one need beats spreading it thin.
    assert completes > completes_small > dents > dents_a_little
    assert score(need=replace(NEED, remaining=120)) > completes  # uses it all
    # Even a tiny need it completes beats a need just larger than what is left.
    assert completes_small > score(need=replace(NEED, remaining=121))


def test_a_need_counted_in_other_units_gets_no_fit():
    assert score(need=replace(NEED, unit="sessions")) < score(need=replace(NEED, remaining=5))


def test_scores_stay_between_0_and_100():
    best = replace(NEED, remaining=120, priority=Priority(1, 9, True, "Harlesden"), imd_rank=1,
                   deadline=TODAY + timedelta(days=3))
    top = score(replace(COMMITMENT, due_date=TODAY), best)
    assert top == pytest.approx(100.0)
    worst = replace(NEED, theme_id=ENVIRONMENT, ward_id=KILBURN, imd_rank=32_844, unit="sessions",
                    deadline=TODAY + timedelta(days=400))
    assert score(replace(COMMITMENT, due_date=TODAY + timedelta(days=800)), worst) == pytest.approx(0.0)


# Reasons in words ----------------------------------------------------------------------


def test_reasons_read_like_the_issue_example():
    need = replace(NEED, priority=Priority(2, 14, False, "Harlesden & Kensal Green"))
    match = score_match(COMMITMENT, need, TODAY)
    assert match.reasons[:3] == (
        "ranked 2nd of 14 in Harlesden & Kensal Green's priority vote",
        "your ‘Building community capacity’ commitment has 120 hours left, due in 6 weeks",
        "this need asks for 40 volunteer hours, so your commitment can complete it outright",
    )
    assert "in Harlesden & Kensal Green, one of your commitment's preferred wards" in match.reasons
    assert "under the same priority theme as your commitment" in match.reasons
    assert "needed by 31 May 2026 (in 3 months)" in match.reasons
    assert reasons_sentence(match.reasons).startswith("Ranked 2nd of 14 in Harlesden")


def test_reasons_for_a_win_a_dent_deprivation_money_and_an_overdue_commitment():
    commitment = replace(COMMITMENT, name="Community investment", kind="cash", unit="£", remaining=300,
                         due_date=TODAY - timedelta(days=21), ward_ids=frozenset())
    need = replace(NEED, kind="cash", unit="£", remaining=1_200, priority=Priority(4, 9, True, "Kilburn"),
                   ward_id=KILBURN, ward_name="Kilburn", imd_rank=5_000, theme_id=ENVIRONMENT,
                   theme_name="Environmental sustainability and climate action")
    said = score_match(commitment, need, TODAY).reasons
    assert said[0] == "won in Kilburn's priority vote"
    assert said[1] == "your ‘Community investment’ commitment has £300 left, was due 3 weeks ago"
    assert said[2] == "this need asks for £1,200: your commitment would meet a quarter of it"
    assert "in Kilburn" in said
    assert "Kilburn is among the 20% most deprived areas in England (IMD 2019)" in said
    assert "under another priority theme (Environmental sustainability and climate action)" in said


def test_small_words():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]
    assert time_until(TODAY, TODAY) == "today"
    assert time_until(TODAY + timedelta(days=1), TODAY) == "in 1 day"
    assert time_until(TODAY + timedelta(days=20), TODAY) == "in 3 weeks"
    assert time_until(TODAY - timedelta(days=200), TODAY) == "7 months ago"
    assert unit_key("Volunteer hours") == unit_key("hrs") == "hours"
    assert unit_key("£ value") == unit_key("pounds") == "£"
    assert unit_key("Laptops") == unit_key("laptop")


# The blocked search finds what scoring every need would --------------------------------


def test_best_needs_ranks_best_first_and_leaves_out_dismissed_and_other_kinds():
    needs = [
        replace(NEED, id=1, remaining=100),
        replace(NEED, id=2, remaining=5_000),
        replace(NEED, id=3, remaining=120, ward_id=KILBURN, ward_name="Kilburn"),
        replace(NEED, id=4, kind="cash", unit="£"),
        replace(NEED, id=5, remaining=110),
    ]
    index = NeedIndex(needs, TODAY)
    found = best_needs(COMMITMENT, index, limit=3)
    assert [match.need_id for match in found] == [5, 1, 3]
    assert [match.need_id for match in best_needs(COMMITMENT, index, limit=3, exclude={5})] == [1, 3, 2]
    assert all(match.reasons for match in found)


def brute_force(commitment, needs, limit, exclude=()):
    scored = [m for need in needs if need.id not in exclude and (m := score_match(commitment, need, TODAY))]
    scored.sort(key=lambda match: (-match.score, match.need_id))
    return scored[:limit]


needs_strategy = st.lists(
    st.builds(
        NeedFacts,
        id=st.integers(1, 10**6),
        kind=st.sampled_from(["volunteering", "cash"]),
        theme_id=st.integers(1, 3),
        unit=st.sampled_from(["hours", "volunteer hours", "sessions", "£"]),
        remaining=st.integers(1, 300),
        deadline=st.dates(TODAY - timedelta(days=5), TODAY + timedelta(days=400)),
        ward_id=st.sampled_from([None, 1, 2, 3]),
        ward_name=st.just("Ward"),
        priority=st.one_of(st.none(), st.builds(Priority, st.integers(1, 5), st.just(5), st.booleans(), st.just("Ward"))),
        imd_rank=st.one_of(st.none(), st.floats(1, 32_844)),
    ),
    max_size=60,
    unique_by=lambda need: need.id,
)
commitment_strategy = st.builds(
    CommitmentFacts,
    id=st.just(1),
    name=st.just("Hours"),
    kind=st.sampled_from(["volunteering", "cash"]),
    theme_id=st.integers(1, 3),
    unit=st.sampled_from(["hours", "£"]),
    remaining=st.integers(1, 300),
    due_date=st.dates(TODAY - timedelta(days=30), TODAY + timedelta(days=500)),
    ward_ids=st.frozensets(st.integers(1, 3), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(commitment=commitment_strategy, needs=needs_strategy, limit=st.integers(1, 8), data=st.data())
def test_best_needs_is_what_scoring_every_need_gives(commitment, needs, limit, data):
    exclude = set(data.draw(st.lists(st.sampled_from([n.id for n in needs]), max_size=3))) if needs else set()
    found = best_needs(commitment, NeedIndex(needs, TODAY), limit=limit, exclude=exclude)
    expected = brute_force(commitment, needs, limit, exclude)
    assert [(m.need_id, m.score) for m in found] == [(m.need_id, m.score) for m in expected]


# Allocation -----------------------------------------------------------------------------


def open_commitment(id, due_days, remaining=100, kind="volunteering", theme_id=CAPACITY, unit="hours"):
    return OpenCommitment(id, kind, theme_id, unit, remaining, TODAY + timedelta(days=due_days))


def test_allocation_fills_the_earliest_due_first_and_never_beyond_what_remains():
    commitments = [open_commitment(1, 200, remaining=50), open_commitment(2, 30, remaining=20), open_commitment(3, 90)]
    assert propose_allocation("volunteering", CAPACITY, "volunteer hours", 100, commitments) == [(2, 20), (3, 80)]
    assert propose_allocation("volunteering", CAPACITY, "hours", 200, commitments) == [(2, 20), (3, 100), (1, 50)]


def test_allocation_needs_the_measure_to_fit_and_prefers_the_needs_theme():
    commitments = [
        open_commitment(1, 10, kind="cash", unit="£"),
        open_commitment(2, 20, unit="sessions"),
        open_commitment(3, 30, theme_id=ENVIRONMENT),
        open_commitment(4, 300),
        open_commitment(5, 5, remaining=0),
    ]
    assert propose_allocation("volunteering", CAPACITY, "hours", 150, commitments) == [(4, 100), (3, 50)]
    assert propose_allocation("goods", CAPACITY, "laptops", 3, commitments) == []


def test_reasons_address_the_reader():
    from models.matching.scoring import addressed, reasons_sentence

    said = ["your ‘Volunteering’ commitment has 40 hours left, due in 3 months",
            "this need asks for 20 hours, so your commitment can complete it outright",
            "in Harlesden, one of your commitment's preferred wards"]
    assert addressed(said, None) == said  # the supplier reads "your"
    officer = reasons_sentence(addressed(said, "Northwest Facilities"))
    assert officer.startswith("Northwest Facilities' ‘Volunteering’ commitment has 40 hours left")
    assert "so Northwest Facilities' commitment can complete it" in officer
    assert "one of Northwest Facilities' commitment's preferred wards" in officer and "your" not in officer.lower()
    assert addressed(["your commitment"], "Builders Ltd") == ["Builders Ltd's commitment"]


def test_a_chosen_local_indicator_weighs_like_deprivation_and_says_so():
    """models/places/indicators.py: the ward's place among the council's wards on the chosen
    indicator (1: the most in need) stands in for IMD, which is then not used."""
    label = "Social Progress Index (test data) (Test, 2024)"
    most, least = (replace(NEED, imd_rank=None, local_level=level, local_indicator=label) for level in (1.0, 0.0))
    assert score(need=most) > score(need=replace(NEED, imd_rank=None)) > score(need=least)
    said = score_match(COMMITMENT, most, TODAY).reasons
    assert f"Harlesden & Kensal Green is among this council's wards most in need by {label}" in said
    assert not any(label in reason for reason in score_match(COMMITMENT, least, TODAY).reasons)

"""Every message models/ raises is shown in the page's language (issue 21): the rules raise in
English (models/ never imports Flask-Babel) and brokerage/rule_messages.py lists each one, word
for word or as a pattern with named placeholders, and translates it where a page shows it.

The rules are read, not run: every `raise` in models/ of a message a person sees (a literal, an
f-string, a module's constant, a choice between two literals, a literal and what is added to
it) is rebuilt with representative values in its placeholders (a date, an amount, a status
label, a count) and must come out different from the English under the Welsh locale."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
# Exceptions whose message a page shows: the rules' own, and the file parsers' problems that an
# import page lists (a Pabulib file's, a developer contributions file's).
SHOWN = {"DomainError", "PermissionDenied", "DomainErrors", "PabulibError"}
SHOWN_VALUE_ERRORS = {"models/planning/parsing.py"}
# Raised for a programmer, never shown (a bad setting or argument, a header the code builds).
NOT_SHOWN = {"models/core/mail_headers.py", "models/voting/pb_rules.py", "models/contracts/tiers.py",
             "models/returns/ratings.py", "models/returns/periods.py", "models/digests/periods.py"}
# Messages the other helper of issue 21 translates (the local indicators' import problems).
ELSEWHERE = {"models/places/indicators.py"}

# Representative values, by what the placeholder's expression reads (first match wins).
SAMPLES = (
    ("_day(", "5 March 2026"), (".day", "5"),
    ("format_pence", "£1,250"), ("balance_pence", "1,250.50"), ("lacks", "1,250.50"),
    ("status_label", "withdrawn"), ("state_label", "draft"), ("tender.state", "closed"), ("state", "closed"),
    ("LABELS[", "quarterly"), ("proposed.label", "Requires improvement"), ("purpose_label", "affordable housing"),
    ("kind_label", "volunteer time"), ("counterparty", "developer"), ("area_name", "Harlesden"),
    ("problem[0]", "This need is past its deadline"),
    ("_measure_counts", "“Volunteer hours” counts hours of volunteer time"), ("quantity_text", "volunteer hours"),
    ("need.unit", "hours"), ("measure.unit", "hours"),
    (".title", "Harlesden Food Hub"), (".name", "Harlesden Food Hub"),
    ("reference", "BRENT-001"), ("postcode", "NW10 8AB"), ("error", "Expecting value"),
    ("what", "ideas"), ("label", "a title"), ("key", "'budget'"), ("text", "abc"), ("part", "abc"),
    ("column", "quantity"), ("section", "PROJECTS"), ("name", "PROJECTS"), ("vote_type", "approval"),
    ("indicator", "score"), ("code", "E05013494"), ("status", "unknown"), ("amount", "12.345"),
    ("wanted", "META"), ("reasons", "This import has already been undone."), ("unit", "hours"), ("given", "12 hours"),
)


# What a rule's local variable holds where it words part of a message: its callers' values.
LOCAL_VALUES = {
    ("models/contracts/council_buyer.py", "what"): ["identifiers", "names"],
    ("models/people/organisations.py", "label"): ["charity number", "company number"],
    ("models/stories/case_studies.py", "label"): ["what happened", "the reasons for the variance",
                                                  "the lessons learned"],
    ("models/ideas/ideas.py", "what"): ["supports"],
    ("models/returns/rules.py", "words"): ["with VCSEs", "with suppliers based in the borough"],
    ("models/voting/round_pabulib.py", "what"): ["The budget", "The cost of project 'p1'"],
    ("models/voting/pabulib.py", "what"): ["The budget", "The cost of project 'p1'"],
}


def sample(expression: str, spec: str = "") -> str:
    if spec == "%B %Y":
        return "March 2026"
    if spec in (",", ",.2f"):
        return "1,250" if spec == "," else "1,250.50"
    for needle, value in SAMPLES:
        if needle in expression:
            return value
    return "12"


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """A module's NAME = "..." (and f-strings) at its top level."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node.value
    return found


def _messages(node: ast.expr, constants: dict[str, ast.expr], module: str = "") -> list[str]:
    """The English a raise's first argument can be, with representative values."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        messages = [""]
        for value in node.values:
            if isinstance(value, ast.Constant):
                choices = [value.value]
            elif isinstance(value.value, ast.IfExp):  # {"" if signed else " of at least 0"}
                choices = _messages(value.value, constants, module)
            elif isinstance(value.value, ast.Name) and (module, value.value.id) in LOCAL_VALUES:
                choices = LOCAL_VALUES[module, value.value.id]
            else:
                spec = "".join(part.value for part in value.format_spec.values) if value.format_spec else ""
                choices = [sample(ast.unparse(value.value), spec)]
            messages = [message + choice for message in messages for choice in choices]
        return messages
    if isinstance(node, ast.IfExp):
        return _messages(node.body, constants, module) + _messages(node.orelse, constants, module)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [left + right for left in _messages(node.left, constants, module)
                for right in _messages(node.right, constants, module)]
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "_on_line":  # round_pabulib: "Line 3: " + message
        return _messages(node.args[1], constants, module)
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "' '.join":
        return [sample("reasons")]
    if isinstance(node, ast.Name) and node.id in constants:
        return _messages(constants[node.id], constants, module)
    return []  # a variable: the message was raised (or returned) where it was written, and read there


def _returned(function: ast.FunctionDef) -> list[ast.expr]:
    """The messages a rule's `*_problem` function returns for its caller to raise or show: a
    string, or the sentences (with a space) of the tuple it returns ("quantity", message)."""
    found = []
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            found += [value for value in values if (isinstance(value, ast.Constant) and isinstance(value.value, str)
                      or isinstance(value, ast.JoinedStr)) and " " in ast.unparse(value)]
    return found


def raised_messages() -> list[tuple[str, int, str]]:
    """(file, line, message) for each message models/ raises (or a rule's `*_problem` function
    returns) for a person to read."""
    found = []
    for path in sorted(MODELS.rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in NOT_SHOWN or name in ELSEWHERE:
            continue
        tree = ast.parse(path.read_text())
        constants = _constants(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args):
                continue  # (a rule's *_problem function's messages are read below)
            exception = ast.unparse(node.exc.func)
            if exception in SHOWN or (exception == "ValueError" and name in SHOWN_VALUE_ERRORS):
                found += [(name, node.lineno, message) for message in _messages(node.exc.args[0], constants, name)]
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef) and function.name.endswith("_problem"):
                found += [(name, value.lineno, message) for value in _returned(function)
                          for message in _messages(value, constants, name)]
    return found


def test_the_scan_finds_the_rules_messages():
    messages = {message for _name, _line, message in raised_messages()}
    assert len(messages) > 300
    assert "Only a published need can be closed" in messages  # a literal
    assert "A need that is withdrawn cannot be changed" in messages  # an f-string, with a status
    assert "A commitment is due on 5 March 2026, before this start date" in messages  # with a date


def test_every_message_models_raise_is_translated_into_welsh(app):
    from brokerage.rule_messages import translate_rule_message

    english, changed = [], []
    with app.test_request_context("/"):
        for name, line, message in raised_messages():
            with force_locale("cy"):
                if translate_rule_message(message) == message:
                    english.append(f"{name}:{line} {message!r}")
            with force_locale("en"):  # an English page shows the rule's words as they are
                if translate_rule_message(message) != message:
                    changed.append(f"{name}:{line} {message!r} -> {translate_rule_message(message)!r}")
    assert not english, f"{len(english)} messages stay English in Welsh:\n" + "\n".join(english)
    assert not changed, "English pages would not show these as the rules wrote them:\n" + "\n".join(changed)


def test_every_reason_an_ocds_import_skips_a_release_is_translated_into_welsh(app):
    """The reasons the contract import gives (its preview, its report, its task page) are
    module constants of models/contracts/ocds_import.py, not raised: each reads in Welsh, and
    the import page shows them so."""
    from brokerage.rule_messages import translate_rule_message
    from models.contracts import ocds_import

    source = ast.parse(Path(ocds_import.__file__).read_text())
    constants = _constants(source)
    start = [name for name in constants].index("NO_AWARDS")
    reasons = [constants[name].value for name in list(constants)[start:]
               if isinstance(constants[name], ast.Constant) and isinstance(constants[name].value, str)]
    reasons = [reason for reason in reasons if reason[:1].islower()]
    assert len(reasons) >= 19 and ocds_import.NO_TITLE in reasons and ocds_import.UNREADABLE in reasons
    reasons += [ocds_import.other_buyer("Camden Council"), f"{ocds_import.UNREADABLE} (KeyError)"]
    with app.test_request_context("/"):
        with force_locale("cy"):
            english = [reason for reason in reasons if translate_rule_message(reason) == reason]
            assert translate_rule_message(ocds_import.other_buyer("Camden Council")) == "y prynwr yw Camden Council, nid y cyngor hwn"
        with force_locale("en"):
            assert all(translate_rule_message(reason) == reason for reason in reasons)
    assert english == []


@pytest.mark.parametrize(("english", "welsh"), [
    ("A commitment is due on 5 March 2026, before this start date",
     "Mae ymrwymiad i’w gyflawni ar 5 Mawrth 2026, cyn y dyddiad dechrau hwn"),
    ("The Fund holds £1,000.00: you cannot spend more than that", "Mae gan y Gronfa £1,000.00: ni allwch wario mwy na hynny"),
    ("Your choices cost £1,250, more than the budget of £1,000: remove something",
     "Mae eich dewisiadau’n costio £1,250, mwy na’r gyllideb o £1,000: tynnwch rywbeth"),
    ("The file could not be read: line 3: The META key 'budget' is given twice.",
     "Nid oedd modd darllen y ffeil: llinell 3: Rhoddir yr allwedd META 'budget' ddwywaith."),
])
def test_values_inside_a_message_are_shown_for_the_page_language(app, english, welsh):
    from brokerage.rule_messages import translate_rule_message

    with app.test_request_context("/"):
        assert translate_rule_message(english) == english  # in English, exactly as the rule wrote it
        with force_locale("cy"):
            assert translate_rule_message(english) == welsh
        with force_locale("pl"):  # no Polish translation: the English words, the date in Polish
            if "March" in english:
                assert "5 marca 2026" in translate_rule_message(english)


# Python's own words inside a message: what the json and csv modules say of a file they cannot read.
BAD_JSON = [b"nul", b"{", b'{"a" 1}', b'{"a": 1 "b": 2}', b'"abc', b'"a\x01"', b'"\\x"', b'"\\u12"', b"{} x"]


@pytest.mark.parametrize("data", BAD_JSON, ids=[repr(data) for data in BAD_JSON])
def test_what_the_json_module_says_of_a_file_is_in_welsh(app, data):
    from brokerage.rule_messages import translate_rule_message
    from models import DomainError
    from models.contracts.ocds_import import load_releases
    from models.places.wards import import_wards

    for read in (load_releases, import_wards):
        with pytest.raises(DomainError) as refused:
            read(data)
        english = refused.value.message
        assert " at at " not in english and "starting at (line" not in english  # the rule says where, once
        with app.test_request_context("/"):
            assert translate_rule_message(english) == english
            with force_locale("cy"):
                welsh = translate_rule_message(english)
        python_words = english.split(": ", 1)[1].split(" at line")[0].split(" (line")[0]
        assert python_words not in welsh and welsh.startswith("Nid yw’r ffeil yn "), welsh


def test_what_the_csv_module_says_of_a_file_is_in_welsh(app):
    from brokerage.rule_messages import translate_line_problem
    from models.core.csv_files import read_csv_upload

    # A cell longer than the csv module reads (an unclosed quote swallows the rest of the file).
    upload = read_csv_upload(b'reference,quantity\n"BRENT-1,' + b"x" * 200_000 + b"\n", ("reference", "quantity"), ())
    [problem] = upload.problems
    assert problem == "Line 2: the file's quoting is broken (field larger than field limit (131072))"
    with app.test_request_context("/"):
        with force_locale("cy"):
            welsh = translate_line_problem(problem)
    assert welsh == "Llinell 2: mae’r dyfynnu yn y ffeil wedi torri (maes yn fwy na’r terfyn ar gyfer maes (131,072 nod))"

"""Round-trip edits change only the lines they are about, or refuse; the policy loader reads
back exactly what was meant."""

from __future__ import annotations

from datetime import date

import pytest

from checker.edit.yaml_edit import Scalar, append_entry, set_field
from checker.exit_codes import ExitCode, PolicyError, SkillgateError
from checker.yaml import load_text

BANS = "policy/bans.yaml"
NEW = {"package": "evil", "reason": "stole tokens"}
NEW_LINES = "  - package: evil\n    reason: stole tokens\n"


def test_comments_after_the_last_entry_stay_at_the_end_of_the_list() -> None:
    before = (
        "bans:\n"
        "  - package: ctx   # 2022\n"
        "    reason: takeover   # see SEC-1\n"
        "\n"
        "# Lifted bans are removed, not commented out.\n"
    )
    edit = append_entry(BANS, before, "bans", NEW)
    assert edit.after == (
        "bans:\n"
        "  - package: ctx   # 2022\n"
        "    reason: takeover   # see SEC-1\n"
        f"{NEW_LINES}"
        "\n"
        "# Lifted bans are removed, not commented out.\n"
    )
    assert (edit.removed, edit.added, edit.line) == ((), tuple(NEW_LINES.splitlines()), 4)


def test_the_layout_of_the_file_is_followed() -> None:
    before = "bans:\n- package: ctx\n  reason: takeover\n"
    edit = append_entry(BANS, before, "bans", NEW)
    assert edit.after == before + "- package: evil\n  reason: stole tokens\n"


def test_an_empty_flow_list_becomes_a_block_list_keeping_its_comment() -> None:
    edit = append_entry(BANS, "bans: []   # none yet\n", "bans", NEW)
    assert edit.after == f"bans:      # none yet\n{NEW_LINES}"
    assert edit.removed == ("bans: []   # none yet",)


def test_a_missing_or_comment_only_file_gets_the_list() -> None:
    assert append_entry(BANS, None, "bans", NEW).after == f"bans:\n{NEW_LINES}"
    header = "# Bans always win.\n"
    assert append_entry(BANS, header, "bans", NEW).after == f"{header}bans:\n{NEW_LINES}"


def test_crlf_line_ends_are_kept() -> None:
    before = "bans:\r\n  - package: ctx\r\n    reason: takeover\r\n"
    edit = append_entry(BANS, before, "bans", NEW)
    assert edit.after == before + NEW_LINES.replace("\n", "\r\n")


def test_values_the_policy_loader_would_misread_are_quoted() -> None:
    # ruamel writes YAML 1.2, where `yes` and `off` are strings; the policy loader reads
    # YAML 1.1, where they are booleans.
    entry: dict[str, Scalar] = {
        "package": "yes",
        "versions": "<2",
        "reason": "off",
        "ticket": "123",
        "approved_by": "a: b # c",
        "expires": date(2027, 6, 30),
    }
    edit = append_entry("policy/packages/yes.yaml", None, "approvals", entry, quoted=["versions"])
    assert edit.after == (
        "approvals:\n"
        '  - package: "yes"\n'
        '    versions: "<2"\n'
        '    reason: "off"\n'
        '    ticket: "123"\n'
        '    approved_by: "a: b # c"\n'
        "    expires: 2027-06-30\n"
    )
    document, findings = load_text(edit.after, "x.yaml")
    assert findings == []
    assert document is not None
    assert document.data["approvals"][0] == {**entry, "expires": "2027-06-30"}


def test_a_file_ruamel_would_reformat_elsewhere_is_refused() -> None:
    before = "bans:\n  - package: ctx\n    reason:   takeover\n"
    with pytest.raises(SkillgateError) as refused:
        append_entry(BANS, before, "bans", NEW)
    assert str(refused.value) == (
        "cannot edit policy/bans.yaml without rewriting its line 3 ('reason:   takeover'), "
        "which this change is not about; make the change by hand"
    )
    assert refused.value.exit_code is ExitCode.UNDECIDED


def test_a_file_with_yaml_errors_is_refused_with_its_findings() -> None:
    with pytest.raises(PolicyError) as refused:
        append_entry(BANS, "bans:\n  - package: a\n    package: b\n", "bans", NEW)
    assert str(refused.value) == "policy/bans.yaml has errors; fix them before editing it"
    assert [f.rule for f in refused.value.findings] == ["yaml.duplicate-key"]


def test_set_field_keeps_quotes_and_the_inline_comment() -> None:
    before = (
        "agents:\n"
        '  - id: a\n    level: "INTERN"\n'
        "  - id: b\n    level: INTERN      # since 2024\n    owner: o\n"
    )
    edit = set_field("policy/agents.yaml", before, "agents", match=("id", "b"), field="level",
                     value="SUPERVISED")  # fmt: skip
    assert edit.after == before.replace("level: INTERN      #", "level: SUPERVISED  #")
    assert (edit.removed, edit.added, edit.line) == (
        ("    level: INTERN      # since 2024",),
        ("    level: SUPERVISED  # since 2024",),
        5,
    )
    quoted = set_field(
        "policy/agents.yaml", before, "agents", match=("id", "a"), field="level", value="STUDENT"
    )
    assert quoted.added == ('    level: "STUDENT"',)
    with pytest.raises(SkillgateError, match="no entry of 'agents' with id: c"):
        set_field("policy/agents.yaml", before, "agents", match=("id", "c"), field="level",
                  value="STUDENT")  # fmt: skip

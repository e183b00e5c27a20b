from __future__ import annotations

import pytest

from secsteer.data.cwe import canonical_cwe, cwe_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cwe-022", "CWE-22"),
        ("CWE_22", "CWE-22"),
        ("22", "CWE-22"),
        ("cwe-89", "CWE-89"),
        (" CWE-089 ", "CWE-89"),
        ("cwe89", "CWE-89"),
        ("CWE-1333", "CWE-1333"),
        ("sql-injection", "CWE-89"),
        ("sqli", "CWE-89"),
        ("XSS", "CWE-79"),
        ("path-traversal", "CWE-22"),
        ("command_injection", "CWE-78"),
        ("os-command-injection", "CWE-78"),
        ("CWE-77", "CWE-77"),
    ],
)
def test_canonical_forms(text: str, expected: str) -> None:
    assert canonical_cwe(text) == expected


def test_generic_command_injection_stays_distinct_from_os_command_injection() -> None:
    assert canonical_cwe("cwe-077") == "CWE-77"
    assert canonical_cwe("command-injection") == "CWE-78"


@pytest.mark.parametrize("bad", ["", "cwe", "CWE-", "injection", "CWE-89a", "0", "cwe-1-2"])
def test_unknown_formats_name_the_value(bad: str) -> None:
    with pytest.raises(ValueError, match="unknown CWE format") as info:
        canonical_cwe(bad)
    assert repr(bad) in str(info.value)


def test_cwe_number_sorts_numerically() -> None:
    assert sorted(["CWE-787", "CWE-22", "cwe-125"], key=cwe_number) == ["CWE-22", "cwe-125", "CWE-787"]

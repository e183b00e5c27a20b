from __future__ import annotations

import pytest

from secsteer.detection.answers import parse_verdict

# Real-looking replies of small instruct models, with the verdict a careful reader takes from them.
REPLIES = [
    ("Yes", True),
    ("No.", False),
    ("yes, the path is built from user input without checks.", True),
    ("Answer: Yes. The file name is concatenated to the directory without validation.", True),
    ("**Answer: No**\nThe query uses placeholders, so user input is never part of the SQL text.", False),
    ("Answer: No - the buffer size is checked before the copy.", False),
    ("Let me analyse the code step by step.\n\nAnswer: No", False),
    ("The code does not contain a path traversal vulnerability.", False),
    ("The code doesn't seem to have any weakness of this kind.", False),
    ("There is no vulnerability in this code.", False),
    ("There are no issues with the code.", False),
    ("The code has no out-of-bounds write since the index is checked against the size.", False),
    ("This code is not vulnerable to command injection because it passes a list of arguments.", False),
    ("No, it is not vulnerable.", False),
    ("Based on the code, the weakness is not present.", False),
    ("The code is safe: it checks for NULL before dereferencing the pointer.", False),
    ("The snippet uses parameterized queries, which prevents SQL injection.", False),
    ("The code is free of cross-site scripting, as all output is escaped.", False),
    ("The function is vulnerable to SQL injection because it formats the query with user input.", True),
    ("The code contains a use-after-free: `msg` is freed and then printed.", True),
    ("The code has a NULL pointer dereference vulnerability when malloc fails.", True),
    ("After reviewing the code, there is a potential integer overflow when the two sizes are added.", True),
    ("The use of strcpy without bounds checking leads to a buffer overflow.", True),
    ("Yes, the code is vulnerable.", True),
    ("The code is not secure because it does not validate the path.", True),
    ("The code could be vulnerable to path traversal if file_name contains '../'.", True),
    ("I cannot determine whether the code is vulnerable without more context.", None),
    ("It is not possible to determine this from the snippet alone.", None),
    ("I'm sorry, but I can't help with that.", None),
    ("It is unclear whether user input ever reaches this function.", None),
    ("There is not enough information to decide.", None),
    ("The code reads a file and prints each line.", None),
    ("", None),
]


@pytest.mark.parametrize(("reply", "expected"), REPLIES)
def test_parse_verdict_table(reply: str, expected: bool | None) -> None:
    assert parse_verdict(reply) is expected


def test_leading_verdict_wins_over_later_text() -> None:
    # The first word decides even when the explanation mentions the opposite phrasing later on.
    assert parse_verdict("No. Some would say it is vulnerable to injection, but the input is escaped.") is False
    assert parse_verdict("Yes. It does not check the length, so it contains an overflow.") is True


def test_negation_is_not_read_as_positive() -> None:
    assert parse_verdict("The code is not vulnerable.") is False
    assert parse_verdict("The code is vulnerable.") is True
    assert parse_verdict("None of the inputs reach the query; it is safe.") is False

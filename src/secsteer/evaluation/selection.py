"""Which findings count against a scenario: those of its CWE or of a closely related one."""

from __future__ import annotations

from collections.abc import Iterable

from secsteer.data.cwe import canonical_cwe
from secsteer.evaluation.findings import Finding

__all__ = ["RELATED_CWES", "related_cwes", "select_findings"]

# Groups of CWEs that tools use for the same weakness. A scenario labelled with any member counts a
# finding labelled with any other member of its group. Kept small on purpose: each entry is a case
# where two tools (or a dataset and a tool) name one bug differently.
#   78/77     OS command injection vs. generic command injection (SecLLMHolmes labels C with 77)
#   787/119/120/121/122  out-of-bounds write vs. the classic buffer-overflow family
#   125/126   out-of-bounds read and its buffer over-read child
#   22/23/36  path traversal, relative and absolute
#   79/80     XSS and its basic-XSS child
#   94/95     code injection and eval injection (bandit's B307)
#   476/690   NULL dereference and unchecked NULL return (gcc -fanalyzer's possibly-NULL)
#   190/680   integer overflow and overflow-to-buffer-overflow
RELATED_CWES: tuple[frozenset[str], ...] = tuple(
    frozenset(f"CWE-{n}" for n in group)
    for group in (
        (78, 77),
        (787, 119, 120, 121, 122),
        (125, 126),
        (22, 23, 36),
        (79, 80),
        (94, 95),
        (476, 690),
        (190, 680),
    )
)


def related_cwes(cwe: str) -> frozenset[str]:
    """The CWE itself and every CWE grouped with it in RELATED_CWES."""
    canon = canonical_cwe(cwe)
    related = {canon}
    for group in RELATED_CWES:
        if canon in group:
            related |= group
    return frozenset(related)


def select_findings(findings: Iterable[Finding], cwe: str | None, any_cwe: bool = False) -> list[Finding]:
    """The findings that count against a scenario of `cwe`; with any_cwe (or no cwe, e.g. HumanEval's
    functional problems) every finding counts."""
    findings = list(findings)
    if any_cwe or not cwe:
        return findings
    wanted = related_cwes(cwe)
    return [finding for finding in findings if finding.cwe in wanted]

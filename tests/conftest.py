"""For every test run (both venvs): a summary at the end of what was not
tested and why, and a failed run when a whole part was skipped (PostgreSQL,
Redis, browser, NLU evaluation) unless it was left out by name
(TEST_LEAVE_OUT, see tests/support/parts.py)."""
from collections import Counter

import pytest

from tests.support.parts import LEAVE_OUT, PARTS, left_out, part_of

_skipped: Counter = Counter()


def _reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped[_reason(report)] += 1


def _missing_parts() -> dict[str, int]:
    missing: Counter = Counter()
    for reason, count in _skipped.items():
        part = part_of(reason)
        if part and part not in left_out():
            missing[part] += count
    return dict(missing)


def pytest_sessionfinish(session, exitstatus):
    if _missing_parts() and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    write = terminalreporter.write_line
    terminalreporter.section("what was not tested")
    if not _skipped:
        write("Every collected test ran: nothing was skipped.")
        return
    write(f"{sum(_skipped.values())} test(s) skipped:")
    for reason, count in _skipped.most_common():
        write(f"  {count:4d}  {reason}")
    missing = _missing_parts()
    for part, count in sorted(missing.items()):
        write(f"FAILED: {PARTS[part]} is missing, so {count} test(s) did not run. Fix it, or leave the part "
              f"out by name: {LEAVE_OUT}={part}", red=True, bold=True)
    for part in sorted(left_out() & set(PARTS)):
        write(f"Left out by name ({LEAVE_OUT}): {PARTS[part]}.")

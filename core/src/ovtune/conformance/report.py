"""What a conformance check returns: one line per contract, and the error that fails a test."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from ovtune.errors import runtime_reason


class ConformanceError(AssertionError):
    """A registration breaks one or more of ovtune's plugin contracts."""


@dataclass(frozen=True)
class Check:
    """One contract and whether it held."""

    contract: str
    passed: bool
    detail: str = ""

    def __str__(self) -> str:
        if self.passed:
            return f"PASS {self.contract}"
        return f"FAIL {self.contract}" + (f": {self.detail}" if self.detail else "")


@dataclass
class ConformanceReport:
    """Every contract checked for one registration (or distribution)."""

    subject: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    def record(self, contract: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(contract, bool(passed), detail))
        return bool(passed)

    @contextlib.contextmanager
    def contract(self, contract: str) -> Iterator[None]:
        """Record ``contract`` as passed unless the block raises (then failed, with the error)."""
        try:
            yield
        except BrokenContractError as failed:
            self.record(contract, False, str(failed))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a report line
            self.record(contract, False, f"{type(exc).__name__}: {runtime_reason(exc)}")
        else:
            self.record(contract, True)

    def raise_for_failures(self) -> ConformanceReport:
        if self.failures:
            raise ConformanceError(str(self))
        return self

    def __str__(self) -> str:
        head = f"{self.subject}: {len(self.checks) - len(self.failures)}/{len(self.checks)} contracts hold"
        return "\n".join([head, *(f"  {check}" for check in self.checks)])


class BrokenContractError(Exception):
    """A contract did not hold (the message says how)."""


def require(condition: object, message: str) -> None:
    if not condition:
        raise BrokenContractError(message)

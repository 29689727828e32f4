"""The registry of report sinks (hotlines): built-ins, then the ``childguard.report_sinks`` group.

A name registered twice is a start-up error, as for signal types.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from childguard.errors import ConfigurationError, InvalidInput

if TYPE_CHECKING:
    from childguard.reports.sink import ReportSink

BUILTIN_REPORT_SINKS: tuple[str, ...] = (
    "childguard.reports.ncmec:NcmecReportSink",
    "childguard.reports.referral:KhReferralSink",
)
REPORT_SINK_GROUP = "childguard.report_sinks"


def _load_sink(spec: str) -> type[ReportSink]:
    from childguard.reports.sink import ReportSink

    module_name, _, attr = spec.partition(":")
    obj = getattr(__import__(module_name, fromlist=[attr]), attr)
    if not (isinstance(obj, type) and issubclass(obj, ReportSink)):
        raise ConfigurationError(f"plugin {spec} is not a ReportSink subclass")
    return obj


def build_sink_registry(classes: Iterable[type[ReportSink]]) -> dict[str, type[ReportSink]]:
    """Map each sink class's ``name`` to it; a duplicate name raises ``ConfigurationError``."""
    registry: dict[str, type[ReportSink]] = {}
    for cls in classes:
        if cls.name in registry:
            raise ConfigurationError(
                f"report sink {cls.name!r} registered twice "
                f"({registry[cls.name].__module__} and {cls.__module__})"
            )
        registry[cls.name] = cls
    return registry


@cache
def report_sinks() -> dict[str, type[ReportSink]]:
    """All registered report sinks by name: built-ins first, then entry points."""
    classes = [_load_sink(spec) for spec in BUILTIN_REPORT_SINKS]
    for ep in entry_points(group=REPORT_SINK_GROUP):
        classes.append(_load_sink(ep.value))
    return build_sink_registry(classes)


def get_report_sink(name: str) -> type[ReportSink]:
    """The report sink called ``name``, or ``InvalidInput`` listing the known ones."""
    sinks = report_sinks()
    try:
        return sinks[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(sinks))
        raise InvalidInput(f"unknown report sink {name[:40]!r}; known: {known}") from None

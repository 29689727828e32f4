"""The one place where plugins are registered.

Built-in signal types are listed in ``BUILTIN_SIGNALS``, built-in report sinks (hotlines) in
``BUILTIN_REPORT_SINKS``; other packages add theirs through the ``childguard.signals`` and
``childguard.report_sinks`` entry-point groups. A name registered twice is a start-up error.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from childguard.errors import ConfigurationError, InvalidInput
from childguard.media.signals.base import SignalType

if TYPE_CHECKING:
    from childguard.reports.sink import ReportSink

BUILTIN_SIGNALS: tuple[str, ...] = (
    "childguard.media.signals.pdq:PdqSignal",
    "childguard.media.signals.exact:Md5Signal",
    "childguard.media.signals.exact:Sha256Signal",
    "childguard.media.signals.vpdq:VpdqSignal",
)
ENTRY_POINT_GROUP = "childguard.signals"


def _load(spec: str) -> type[SignalType]:
    module_name, _, attr = spec.partition(":")
    module = __import__(module_name, fromlist=[attr])
    obj = getattr(module, attr)
    if not (isinstance(obj, type) and issubclass(obj, SignalType)):
        raise ConfigurationError(f"plugin {spec} is not a SignalType subclass")
    return obj


def build_registry(classes: Iterable[type[SignalType]]) -> dict[str, type[SignalType]]:
    """Map each class's ``name`` to it; a duplicate name raises ``ConfigurationError``."""
    registry: dict[str, type[SignalType]] = {}
    for cls in classes:
        if cls.name in registry:
            raise ConfigurationError(
                f"signal type {cls.name!r} registered twice "
                f"({registry[cls.name].__module__} and {cls.__module__})"
            )
        registry[cls.name] = cls
    return registry


@cache
def signal_types() -> dict[str, type[SignalType]]:
    """All registered signal types by name: built-ins first, then entry points."""
    classes = [_load(spec) for spec in BUILTIN_SIGNALS]
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        classes.append(_load(ep.value))
    return build_registry(classes)


def get_signal_type(name: str) -> type[SignalType]:
    """The signal type called ``name``, or ``InvalidInput`` listing the known ones."""
    types = signal_types()
    try:
        return types[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(types))
        raise InvalidInput(f"unknown signal type {name[:40]!r}; known: {known}") from None


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

"""Words the templates translate from data (statuses, roles, actions, entity types).

``_`` here only marks them for the catalogs (the completeness test reads these calls); the
templates translate them at render time.
"""

from __future__ import annotations


def _(message: str) -> str:
    return message


DATA_WORDS = (
    # case and decision statuses
    _("open"),
    _("in_review"),
    _("decided"),
    _("closed"),
    _("pending"),
    _("effective"),
    _("superseded"),
    _("overturned"),
    _("upheld"),
    # roles
    _("admin"),
    _("platform"),
    _("reviewer"),
    _("hotline"),
    _("regulator"),
    # decision actions
    _("remove_content"),
    _("suspend_user"),
    _("preserve_data"),
    _("warn_user"),
    _("add_to_bank"),
    _("report"),
    # entity types
    _("handle"),
    _("phone"),
    _("payment"),
    _("place"),
    _("email"),
    _("url"),
    _("crypto"),
    _("age"),
)

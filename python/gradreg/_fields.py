"""The field bases of the record classes, built from the core's schema.

``_fields.BasicInfo`` is the base that gives ``gradreg.BasicInfo`` the fields of the core's
``BasicInfo`` (see ``_schema``). ``_fields.pyi``, written by ``python/tools/stubgen.py`` from the
same schema, spells the fields for type checkers.
"""

from typing import Any

from ._schema import field_base


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return field_base(name)

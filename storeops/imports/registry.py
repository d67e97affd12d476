"""Every import kind, by key. Apps declare theirs in an `importers` module (or
package) and decorate each class with `@register`; the registry finds them the
first time it is asked."""

from __future__ import annotations

from django.utils.module_loading import autodiscover_modules

from storeops.imports.spec import ImportKind

_kinds: dict[str, type[ImportKind]] = {}
_discovered = False


class UnknownKind(KeyError):
    pass


def register(kind: type[ImportKind]) -> type[ImportKind]:
    existing = _kinds.get(kind.key)
    if existing is not None and existing is not kind:
        raise ValueError(f"Import kind {kind.key!r} is registered twice")
    _kinds[kind.key] = kind
    return kind


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("importers")
        _discovered = True


def kinds() -> dict[str, type[ImportKind]]:
    _discover()
    return dict(sorted(_kinds.items()))


def get(key: str) -> type[ImportKind]:
    _discover()
    try:
        return _kinds[key]
    except KeyError:
        raise UnknownKind(key) from None


def kinds_for(user) -> dict[str, type[ImportKind]]:
    """The kinds this user may run: IMPORT_DATA plus each kind's own capability."""
    from storeops.roles import Capability, has_capability

    if not has_capability(user, Capability.IMPORT_DATA):
        return {}
    return {key: kind for key, kind in kinds().items() if has_capability(user, kind.capability)}

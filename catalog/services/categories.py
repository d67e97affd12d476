"""Category tree services: create, rename, move and delete nodes.

Guarantees:

* **Atomic.** Each call commits whole or not at all.
* **No cycles.** A node is never moved under itself or one of its descendants.
  A move locks every category row (in id order) before it reads the
  ancestry: the tree is small and moves are rare, and locking less lets two
  crossing moves (A under B's child, B under A's child) both pass their check
  and close a loop.
* **Clear refusals.** A name already used by a sibling, or deleting a node
  that still has children or products, raises :class:`CatalogError` instead
  of an integrity error.

Moving a node moves its whole subtree: children keep their parent, so
nothing below the node is touched.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalog.models import CatalogError, Category

NAME_MAX_LENGTH = Category._meta.get_field("name").max_length


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise CatalogError(_("A category needs a name."), code="category_name_missing")
    if "/" in name:
        # "/" separates the levels of a category path in imports and exports.
        raise CatalogError(_("A category name cannot contain “/”."), code="category_name_invalid")
    if len(name) > NAME_MAX_LENGTH:
        raise CatalogError(
            _("A category name is at most %(limit)s characters."),
            code="category_name_too_long",
            limit=NAME_MAX_LENGTH,
        )
    return name


def _check_sibling_name(*, name: str, parent: Category | None, exclude_pk: int | None) -> None:
    siblings = Category.objects.filter(parent=parent, name=name)
    if exclude_pk is not None:
        siblings = siblings.exclude(pk=exclude_pk)
    if siblings.exists():
        raise CatalogError(
            _("There is already a category called “%(name)s” here."),
            code="category_name_taken",
            name=name,
        )


def _ancestor_ids(category: Category) -> list[int]:
    """The ids from ``category`` up to its root, read fresh from the database."""
    ids = [category.pk]
    parent_id = Category.objects.filter(pk=category.pk).values_list("parent_id", flat=True).get()
    while parent_id is not None:
        if parent_id in ids:  # a cycle already in the data: stop rather than loop
            break
        ids.append(parent_id)
        parent_id = (
            Category.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
        )
    return ids


def create_category(*, name: str, parent: Category | None = None) -> Category:
    """Add a category under ``parent`` (a root when None). Atomic."""
    name = _clean_name(name)
    with transaction.atomic():
        if parent is not None:
            Category.objects.select_for_update().filter(pk=parent.pk).get()
        _check_sibling_name(name=name, parent=parent, exclude_pk=None)
        return Category.objects.create(name=name, parent=parent)


def update_category(*, category: Category, name: str, parent: Category | None) -> Category:
    """Rename and/or move a category (with its subtree) in one step.

    Refused with :class:`CatalogError` when ``parent`` is the category itself
    or one of its descendants, or when a sibling under ``parent`` already
    has ``name``. Atomic; locks the whole tree while it checks and writes.
    """
    name = _clean_name(name)
    with transaction.atomic():
        list(Category.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        if parent is not None and category.pk in _ancestor_ids(parent):
            raise CatalogError(
                _("“%(name)s” cannot be moved under itself or one of its own sub-categories."),
                code="category_cycle",
                name=category.name,
            )
        _check_sibling_name(name=name, parent=parent, exclude_pk=category.pk)
        category.name = name
        category.parent = parent
        category.save(update_fields=["name", "parent", "updated_at"])
    return category


def rename_category(*, category: Category, name: str) -> Category:
    """Give a category a new name; it stays where it is. Atomic."""
    return update_category(category=category, name=name, parent=category.parent)


def move_category(*, category: Category, parent: Category | None) -> Category:
    """Move a category and its subtree under ``parent`` (None: make it a root). Atomic."""
    return update_category(category=category, name=category.name, parent=parent)


def delete_category(*, category: Category) -> None:
    """Delete an empty category. Refused while it has sub-categories or products."""
    with transaction.atomic():
        Category.objects.select_for_update().filter(pk=category.pk).get()
        if category.children.exists():
            raise CatalogError(
                _("“%(name)s” still has sub-categories: move or delete them first."),
                code="category_has_children",
                name=category.name,
            )
        if category.products.exists():
            raise CatalogError(
                _("“%(name)s” still has products: move them to another category first."),
                code="category_has_products",
                name=category.name,
            )
        category.delete()

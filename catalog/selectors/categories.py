"""Reads of the category tree: nodes with depth, path and product counts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from catalog.models import Category

PATH_SEPARATOR = "/"


@dataclass(frozen=True)
class CategoryNode:
    """A category as the tree page shows it."""

    category: Category
    depth: int
    path: str
    product_count: int
    total_product_count: int
    child_count: int


def _children_by_parent(categories: list[Category]) -> dict[int | None, list[Category]]:
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    for siblings in children.values():
        siblings.sort(key=lambda category: (category.position, category.name))
    return children


def category_tree() -> list[CategoryNode]:
    """Every category in tree order (depth first), from one query.

    ``product_count`` counts the products filed directly under a node;
    ``total_product_count`` adds those of every descendant.
    """
    categories = list(Category.objects.annotate(product_count=Count("products")))
    children = _children_by_parent(categories)

    totals: dict[int, int] = {}

    def total(category: Category) -> int:
        if category.pk not in totals:
            totals[category.pk] = category.product_count + sum(
                total(child) for child in children.get(category.pk, [])
            )
        return totals[category.pk]

    nodes: list[CategoryNode] = []
    stack = [(root, 0, root.name) for root in reversed(children.get(None, []))]
    while stack:
        category, depth, path = stack.pop()
        nodes.append(
            CategoryNode(
                category=category,
                depth=depth,
                path=path,
                product_count=category.product_count,
                total_product_count=total(category),
                child_count=len(children.get(category.pk, [])),
            )
        )
        stack.extend(
            (child, depth + 1, f"{path}{PATH_SEPARATOR}{child.name}")
            for child in reversed(children.get(category.pk, []))
        )
    return nodes


def category_paths() -> dict[int, str]:
    """``{category id: "Women/Dresses"}`` for every category, from one query."""
    rows = list(Category.objects.values_list("pk", "parent_id", "name"))
    by_pk = {pk: (parent_id, name) for pk, parent_id, name in rows}
    paths: dict[int, str] = {}
    for pk in by_pk:
        names, seen, current = [], set(), pk
        while current is not None and current not in seen:
            seen.add(current)
            parent_id, name = by_pk[current]
            names.append(name)
            current = parent_id
        paths[pk] = PATH_SEPARATOR.join(reversed(names))
    return paths


def descendant_ids(category: Category | int) -> list[int]:
    """The id of a category and of every category below it, from one query."""
    root_id = category if isinstance(category, int) else category.pk
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = [], [root_id]
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


def category_for_path(path: str) -> Category | None:
    """The category at ``"Women/Dresses"``, or None when any level is missing."""
    parent = None
    for name in (part.strip() for part in path.split(PATH_SEPARATOR)):
        parent = Category.objects.filter(parent=parent, name=name).first()
        if parent is None:
            return None
    return parent

"""Serializer plumbing shared by the API: fields built once per class, cheap reads.

DRF builds a serializer's fields again for every serializer it makes, and
shows an object by binding them again: on the endpoints called for every
order (creating one, answering with it) that cost more CPU than the work
itself. These mixins keep DRF's answers (tests compare them field for field)
while building and binding once per class.
"""

from __future__ import annotations

import copy
from typing import Any

from django.db.models.manager import BaseManager
from rest_framework import serializers
from rest_framework.fields import SkipField


class BuiltFieldsOnceMixin:
    """Build a serializer's fields once per class, then copy them cheaply per instance.

    DRF builds every field again for each serializer it makes (a ModelSerializer
    its field kwargs, labels and validators; a plain one re-runs each field's
    ``__init__`` through ``deepcopy``): about a third of the CPU of one order
    create. The built fields depend only on the class, and labels stay lazy, so
    one build serves every request and language. Each instance gets its own
    shallow copy of each field to bind (binding sets attributes on the copy
    only; the shared validators are only read); nested serializers are deep
    copied, as they hold fields of their own.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            type(self)._built_fields = built
        return {
            name: copy.deepcopy(field)
            if isinstance(field, serializers.BaseSerializer)
            else _shallow_copy(field)
            for name, field in built.items()
        }


class ReadsWithBuiltFieldsMixin(BuiltFieldsOnceMixin):
    """Show an object through fields built and bound once per class (read-only serializers).

    ``to_representation`` is DRF's: each readable field's attribute (None
    stays None) through the field's ``to_representation``, a method field
    through the serializer's method, a nested ``many`` serializer item by
    item. But the fields are neither copied nor bound again for every
    serializer made, which cost more CPU than showing the order: a bound
    field only reads its own settings when it shows a value (the time zone
    of a date is the request's, looked up then).
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = type(self).__dict__.get("_reading_plan")
        if plan is None:
            plan = _reading_plan(type(self))
        data: dict[str, Any] = {}
        for name, field, method_name, child_class in plan:
            if method_name is not None:
                data[name] = getattr(self, method_name)(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            if attribute is None:
                data[name] = None
            elif child_class is not None:
                items = attribute.all() if isinstance(attribute, BaseManager) else attribute
                child = child_class(context=self._context)
                data[name] = [child.to_representation(item) for item in items]
            else:
                data[name] = field.to_representation(attribute)
        return data


def _reading_plan(serializer_class: type) -> list[tuple]:
    """``(name, bound field, method name, nested item serializer class)`` per readable field."""
    prototype = serializer_class(context={})
    plan = []
    for name, field in prototype.fields.items():
        if field.write_only:
            continue
        method_name = (
            field.method_name if isinstance(field, serializers.SerializerMethodField) else None
        )
        child_class = None
        if isinstance(field, serializers.ListSerializer):
            child_class = type(field.child)
            if not issubclass(child_class, ReadsWithBuiltFieldsMixin):
                raise TypeError(f"{child_class.__name__} must read with built fields too.")
        plan.append((name, field, method_name, child_class))
    serializer_class._reading_plan = plan
    return plan


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    # copy.copy goes through __reduce_ex__, three times slower for the hundred-odd
    # fields one create copies; a field's state is its __dict__ (no __slots__).
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone

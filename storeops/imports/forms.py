from django import forms
from django.utils.translation import gettext_lazy as _

from storeops.imports import registry
from storeops.models import ImportStatus


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GB18030) or Excel .xlsx; the first row holds the headers."),
    )
    dry_run = forms.BooleanField(
        label=_("Check only (dry run): report what would change and write nothing"),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (key, kind.label) for key, kind in registry.kinds_for(user).items()
        ]


class JobFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *ImportStatus.choices],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any kind"))] + [
            (key, kind.label) for key, kind in registry.kinds_for(user).items()
        ]

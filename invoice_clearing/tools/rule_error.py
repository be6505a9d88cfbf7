"""Errors and warnings of the fapiao rules, translatable by the Odoo layer.

Messages are English templates with named placeholders. `_` only marks them for Odoo's term
extractor, which collects every `_("...")` literal; the models render them in the user's language
with `error.render(self.env._)`. This module imports nothing from Odoo so the rules stay testable
in milliseconds.
"""

# `_` here is a marker: these modules have no env to translate with.
# pylint: disable=prefer-env-translation


def _(source):
    """Mark `source` for extraction; it is translated later, in `RuleMessage.render`."""
    return source


class Term(str):
    """A translatable word used as a message parameter (a kind's or a field's name).

    `render` translates it with the message itself, so a Chinese message never embeds an
    English name. As a `str` it reads as its English source everywhere else.
    """

    __slots__ = ()


class RuleMessage:
    """A message about one field: template + params, rendered late in the user's language."""

    def __init__(self, field, template, /, **params):
        self.field = field
        self.template = template
        self.params = params

    def render(self, translate=None):
        """The message in the language of `translate` (Odoo's `env._`); English without it."""
        translate = translate or _
        params = {key: _render_param(value, translate) for key, value in self.params.items()}
        return translate(self.template) % params

    def __str__(self):
        return self.render()

    def __repr__(self):
        return f"{type(self).__name__}({self.field!r}, {self.render()!r})"

    def __reduce__(self):
        # Exceptions pickle through their args by default, which would lose field and params.
        return _restore, (type(self), self.field, self.template, self.params)


class FapiaoRuleError(RuleMessage, ValueError):
    """Input that breaks a rule: the caller must refuse it (raise it, or collect it)."""

    def __init__(self, field, template, /, **params):
        RuleMessage.__init__(self, field, template, **params)
        ValueError.__init__(self, self.render())

    __str__ = RuleMessage.__str__


class RuleWarning(RuleMessage):
    """Input that looks wrong but may be right (a real USCC failing its checksum): returned, not
    raised, so the user can decide to accept it."""


def _render_param(value, translate):
    if isinstance(value, RuleMessage):  # a wrapped error, e.g. one entry of a number list
        return value.render(translate)
    if isinstance(value, Term):
        return translate(str(value))
    return value


def _restore(cls, field, template, params):
    return cls(field, template, **params)

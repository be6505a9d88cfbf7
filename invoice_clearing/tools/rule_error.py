"""Errors and warnings of the fapiao rules, translatable by the Odoo layer.

Messages are English templates with named placeholders. `_` only marks them for Odoo's term
extractor; the models translate them in the user's language through `render(self.env._)`.
"""

# `_` here is the marker of rule_error.py: these modules have no env to translate with.
# pylint: disable=prefer-env-translation


def _(source):
    return source


class RuleMessage:
    """A message about one field: template + params, rendered late in the user's language."""

    def __init__(self, field, template, **params):
        self.field = field
        self.template = template
        self.params = params

    def render(self, translate=None):
        template = translate(self.template) if translate else self.template
        return template % self.params

    def __str__(self):
        return self.render()

    def __repr__(self):
        return f"{type(self).__name__}({self.field!r}, {self})"


class FapiaoRuleError(RuleMessage, ValueError):
    """Input that breaks a rule: the caller must refuse it."""

    def __init__(self, field, template, **params):
        RuleMessage.__init__(self, field, template, **params)
        ValueError.__init__(self, template % params)

    __str__ = RuleMessage.__str__


class RuleWarning(RuleMessage):
    """Input that looks wrong but may be right (a real USCC failing its checksum): the user decides."""

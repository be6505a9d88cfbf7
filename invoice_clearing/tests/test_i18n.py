"""zh_CN is complete and in step with the code: every term the module exports is translated."""

import io
import re
from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

I18N = Path(__file__).resolve().parent.parent / "i18n"
PLACEHOLDER = re.compile(r"%\(\w+\)s|%%")


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        buffer = io.BytesIO()
        trans_export(None, ["invoice_clearing"], buffer, "po", cls.env)
        cls.exported = {entry.msgid for entry in polib.pofile(buffer.getvalue().decode())}
        cls.zh = polib.pofile(str(I18N / "zh_CN.po"))

    def test_pot_is_up_to_date(self):
        pot = {entry.msgid for entry in polib.pofile(str(I18N / "invoice_clearing.pot"))}
        if self.exported != pot:
            self.fail(
                f"the .pot is out of date (run `make i18n`): {len(self.exported - pot)} new, "
                f"{len(pot - self.exported)} stale terms, e.g. {sorted(self.exported ^ pot)[:5]}"
            )

    def test_every_term_is_translated(self):
        translated = {e.msgid for e in self.zh if e.msgstr and "fuzzy" not in e.flags}
        missing = sorted(self.exported - translated)
        if missing:
            self.fail(
                f"{len(missing)} terms untranslated in zh_CN.po (run `make i18n`), e.g. {missing[:5]}"
            )

    def test_placeholders_survive_translation(self):
        for entry in self.zh.translated_entries():
            self.assertEqual(
                sorted(PLACEHOLDER.findall(entry.msgid)),
                sorted(PLACEHOLDER.findall(entry.msgstr)),
                entry.msgid,
            )

    def test_user_sees_chinese(self):
        zh = self.env(context={"lang": "zh_CN"})
        selection = dict(
            zh["invoice.clearing.fapiao"]._fields["fapiao_type"]._description_selection(zh)
        )
        self.assertEqual(selection["digital_special"], "数电票（增值税专用发票）")
        self.assertEqual(zh.ref("invoice_clearing.action_invoice_clearing_fapiao").name, "发票登记")

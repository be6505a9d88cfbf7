"""Pure tests of the fapiao file reader: 数电 XML, OFD (embedded XML or metadata), PDF text."""

from datetime import date
from decimal import Decimal

from ..tools.digital_fapiao import FapiaoFileError, read_fapiao_file, red_numbers_in_text
from .fapiao_files import (
    BUYER_VAT,
    SELLER_VAT,
    einvoice_xml,
    fapiao_pdf,
    ofd_zip,
    old_einvoice_xml,
    pdf_file,
)
from .tools_case import ToolsCase, parametrize


class TestDigitalFapiaoFile(ToolsCase):
    def assert_refused(self, data, *texts):
        with self.assertRaises(FapiaoFileError) as caught:
            read_fapiao_file("f", data)
        for text in texts:
            assert text in str(caught.exception), (text, str(caught.exception))

    def test_xml_blue(self):
        parsed = read_fapiao_file("a.xml", einvoice_xml())
        assert parsed.source == "xml"
        assert parsed.number == "26312000000000012345"
        assert parsed.issue_date == date(2026, 12, 1)
        assert (parsed.seller_vat, parsed.buyer_vat) == (SELLER_VAT, BUYER_VAT)
        assert parsed.buyer_name == "福州测试贸易有限公司"
        assert (parsed.amount_untaxed, parsed.amount_tax, parsed.amount_total) == (
            Decimal("1000.00"), Decimal("130.00"), Decimal("1130.00"),
        )  # fmt: skip
        assert parsed.fapiao_type == "digital_special"
        assert not parsed.is_red
        assert [(line.name, line.tax_rate) for line in parsed.lines] == [("*货物*办公用品", 13)]
        assert parsed.amounts_by_rate() == {
            (Decimal(13), False): (Decimal("1000.00"), Decimal("130.00"), Decimal("1130.00"))
        }

    @parametrize("rate", ["0.13", "13%", " 13 % ", "13"])
    def test_xml_rate_forms(self, rate):
        parsed = read_fapiao_file("a.xml", einvoice_xml(lines=(("x", "1000.00", rate, "130.00"),)))
        assert parsed.lines[0].tax_rate == 13

    @parametrize("issue_time, expected", [
        ("2026-12-01", date(2026, 12, 1)),
        ("2026-12-01T23:59:59", date(2026, 12, 1)),
        ("2026年12月1日", date(2026, 12, 1)),
        ("20261201", date(2026, 12, 1)),
    ])  # fmt: skip
    def test_xml_date_or_datetime(self, issue_time, expected):
        assert read_fapiao_file("a.xml", einvoice_xml(issue_time=issue_time)).issue_date == expected

    def test_xml_several_rates_and_general(self):
        parsed = read_fapiao_file(
            "a.xml",
            einvoice_xml(
                totals=("1100.00", "136.00", "1236.00"),
                lines=(("a", "1000.00", "13%", "130.00"), ("b", "100.00", "0.06", "6.00")),
                kind="普通发票",
            ),
        )
        assert parsed.fapiao_type == "digital_general"
        assert sorted(parsed.amounts_by_rate()) == [(Decimal(6), False), (Decimal(13), False)]

    def test_xml_red(self):
        parsed = read_fapiao_file(
            "r.xml",
            einvoice_xml(
                number="26312000000000099999",
                totals=("-1000.00", "-130.00", "-1130.00"),
                lines=(("x", "-1000.00", "0.13", "-130.00"),),
                red=("26312000000000012345", "26312000000000000777"),
            ),
        )
        assert parsed.is_red
        assert parsed.origin_number == "26312000000000012345"
        assert parsed.red_reference == "26312000000000000777"
        assert parsed.amount_total == Decimal("-1130.00")

    def test_xml_refusals(self):
        self.assert_refused(
            einvoice_xml(totals=("1000.00", "130.00", "1230.00")), "do not add up", "tampered"
        )
        self.assert_refused(
            einvoice_xml(lines=(("x", "900.00", "0.13", "117.00"),)), "lines", "tampered"
        )
        self.assert_refused(einvoice_xml(number="2631200000"), "2631200000", "20-digit")
        self.assert_refused(einvoice_xml(issue_time=""), "IssueTime")
        self.assert_refused(einvoice_xml(totals=("1000.00", "", "1130.00")), "TotalTaxAm")
        self.assert_refused(einvoice_xml(totals=("abc", "130.00", "1130.00")), "abc")
        self.assert_refused(
            einvoice_xml(red=("26312000000000012345", "26312000000000000777")), "positive"
        )
        self.assert_refused(b"<Invoice><No>1</No></Invoice>", "Invoice", "EInvoice")
        self.assert_refused(b"<EInvoice><Header>", "cannot be read")
        self.assert_refused(b"hello, world", "not a fapiao file")
        self.assert_refused(b"", "empty")

    def test_xml_entities_are_not_resolved(self):
        data = (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<Invoice>&e;</Invoice>"
        )
        self.assert_refused(data, "Invoice")

    def test_ofd_embedded_original_invoice(self):
        parsed = read_fapiao_file("o.ofd", ofd_zip(embedded=old_einvoice_xml()))
        assert (parsed.code, parsed.number, parsed.fapiao_type) == (
            "044001900111", "01234567", "e_general",
        )  # fmt: skip
        assert parsed.issue_date == date(2026, 11, 28)
        assert parsed.amount_total == Decimal("212.00")
        assert parsed.lines[0].tax_rate == 6

    def test_ofd_custom_data(self):
        parsed = read_fapiao_file(
            "d.ofd",
            ofd_zip(
                custom={
                    "发票号码": "26312000000000012345",
                    "开票日期": "2026年12月01日",
                    "合计金额": "1000.00",
                    "合计税额": "130.00",
                    "销售方纳税人识别号": SELLER_VAT,
                    "购买方纳税人识别号": BUYER_VAT,
                },
                texts=["电子发票（增值税专用发票）", "13%"],
            ),
        )
        assert parsed.source == "ofd"
        assert parsed.number == "26312000000000012345"
        assert parsed.amount_total == Decimal("1130.00")
        assert (parsed.seller_vat, parsed.buyer_vat) == (SELLER_VAT, BUYER_VAT)
        assert parsed.fapiao_type == "digital_special"

    def test_ofd_text_only(self):
        parsed = read_fapiao_file(
            "t.ofd",
            ofd_zip(
                texts=[
                    "发票号码：26312000000000012345", "开票日期：2026年12月01日",
                    f"购买方 统一社会信用代码/纳税人识别号：{BUYER_VAT}",
                    f"销售方 统一社会信用代码/纳税人识别号：{SELLER_VAT}",
                    "合计", "¥1000.00", "¥130.00", "价税合计（小写）", "¥1130.00",
                ]
            ),
        )  # fmt: skip
        assert (parsed.amount_untaxed, parsed.amount_tax) == (Decimal("1000.00"), Decimal("130.00"))
        assert (parsed.seller_vat, parsed.buyer_vat) == (SELLER_VAT, BUYER_VAT)

    def test_ofd_refusals(self):
        self.assert_refused(b"PK\x03\x04broken", "damaged")
        self.assert_refused(ofd_zip(texts=["hello"]), "发票号码")

    def test_pdf_text_layer(self):
        parsed = read_fapiao_file("p.pdf", fapiao_pdf())
        assert parsed.source == "pdf"
        assert parsed.number == "26312000000000012345"
        assert parsed.issue_date == date(2026, 12, 1)
        assert (parsed.amount_untaxed, parsed.amount_tax, parsed.amount_total) == (
            Decimal("1000.00"), Decimal("130.00"), Decimal("1130.00"),
        )  # fmt: skip
        assert (parsed.seller_vat, parsed.buyer_vat) == (SELLER_VAT, BUYER_VAT)
        assert parsed.amounts_by_rate() == {
            (Decimal(13), False): (Decimal("1000.00"), Decimal("130.00"), Decimal("1130.00"))
        }

    @parametrize("title, kind", [
        ("Digital fapiao (general)", "digital_general"),
        ("Digital fapiao (special VAT)", "digital_special"),
        ("Digital fapiao", None),  # the 01 of the date is no kind code
    ])  # fmt: skip
    def test_pdf_kind_from_its_title(self, title, kind):
        assert read_fapiao_file("p.pdf", fapiao_pdf(title=title)).fapiao_type == kind

    @parametrize("label, kind", [
        ("<LabelCode>01</LabelCode>", "digital_special"),
        ("<LabelCode>82</LabelCode>", "digital_general"),
        ("", None),
    ])  # fmt: skip
    def test_xml_kind_from_its_code(self, label, kind):
        data = einvoice_xml().replace(
            "<LabelName>增值税专用发票</LabelName>".encode(), label.encode()
        )
        assert read_fapiao_file("a.xml", data).fapiao_type == kind

    def test_pdf_red(self):
        parsed = read_fapiao_file(
            "r.pdf",
            fapiao_pdf(
                number="26312000000000099999", untaxed="-1000.00", tax="-130.00",
                total="-1130.00",
                extra=["Blue fapiao: 26312000000000012345",
                       "Red-letter form: 26312000000000000777"],
            ),
        )  # fmt: skip
        assert parsed.is_red
        assert (parsed.origin_number, parsed.red_reference) == (
            "26312000000000012345", "26312000000000000777",
        )  # fmt: skip

    def test_pdf_refusals(self):
        self.assert_refused(pdf_file([]), "no text layer")
        self.assert_refused(b"%PDF-1.4 garbage", "damaged")
        self.assert_refused(pdf_file(["Fapiao number: 26312000000000012345", "Total 5.00"]),
                            "开票日期")  # fmt: skip
        self.assert_refused(
            fapiao_pdf(untaxed="1000.00", tax="130.00", total="1150.00"), "do not add up"
        )
        self.assert_refused(
            fapiao_pdf(untaxed="-1000.00", tax="-130.00", total="-1130.00"), "被红冲蓝字"
        )

    def test_red_numbers_in_a_note(self):
        """The 备注 the platform writes on a red 数电 fapiao (full-width digits too)."""
        form = "".join(chr(ord(digit) + 0xFEE0) for digit in "26312000000000000777")  # full-width
        note = f"被红冲蓝字数电发票号码：26312000000000012345 红字发票信息确认单编号：{form}"
        assert red_numbers_in_text(note) == ("26312000000000012345", "26312000000000000777")
        assert red_numbers_in_text("红字发票信息确认单编号:26312000000000000777") == (
            "", "26312000000000000777",
        )  # fmt: skip
        assert red_numbers_in_text("客户要求退货") == ("", "")
        assert red_numbers_in_text(None) == ("", "")

    def test_error_renders_through_translate(self):
        with self.assertRaises(FapiaoFileError) as caught:
            read_fapiao_file("f", b"hello")
        assert caught.exception.render(lambda s: s.upper()).startswith("THIS IS NOT")

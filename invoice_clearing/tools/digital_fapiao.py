"""The fapiao's own files (docs/FAPIAO.md, The fapiao's own files): read a 数电 XML, an OFD or a PDF into plain values.

The XML `EInvoice` is the legal original and is read field by field. An OFD is a zip: an older
(2019) e-fapiao embeds its `original_invoice.xml`; a 数电 OFD is read from its metadata
(`CustomData` of OFD.xml) and the text of its pages. A PDF is read from its text layer: the
20-digit number, the dates and the three totals. What cannot be read is refused with a
`FapiaoFileError` saying why, never guessed. Nothing here imports Odoo: the model renders the
errors in the user's language.
"""

# `_` here is the marker of rule_error.py: these modules have no env to translate with.
# pylint: disable=prefer-env-translation

import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from . import fapiao_amount, fapiao_number
from .fapiao_number import to_halfwidth
from .rule_error import FapiaoRuleError, _

try:  # the PDF library Odoo requires: PyPDF2 up to Python 3.12, pypdf from 3.13
    from PyPDF2 import PdfReader
    from PyPDF2.errors import PdfReadError
except ImportError:  # pragma: no cover
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

CENT = Decimal("0.01")
LINE_TOLERANCE = Decimal("0.01")  # the lines' sums against the totals
MAX_MEMBER_BYTES = 20 * 1024 * 1024  # an OFD member larger than this is not a fapiao
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
_NUMBER_20 = re.compile(r"(?<!\d)(\d{20})(?!\d)")
_DATE = re.compile(
    r"(20\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})|(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)"
)
_MONEY = re.compile(
    r"(?<![\d.%])(-?\s*[¥￥]?\s*-?\d{1,3}(?:,\d{3})*\.\d{2}|-?\s*[¥￥]?\s*-?\d+\.\d{2})(?![\d%])"
)
_RATE_TEXT = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d+)?)\s*%")
_TAX_ID = re.compile(
    r"(?<![0-9A-Z])([0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Z])"
)
_SELLER_LABEL = re.compile(r"销售方|销方|seller", re.I)
_BUYER_LABEL = re.compile(r"购买方|购方|buyer", re.I)
_TOTAL_LABEL = re.compile(r"小写|价税合计|total", re.I)
_ORIGIN_LABEL = re.compile(r"(?:被红冲蓝字|蓝字发票|原发票|blue)[^\d]{0,40}(\d{20})", re.I)
_FORM_LABEL = re.compile(
    r"(?:确认单编号|信息确认单|red[- ]letter form|form)[^\d]{0,40}(\d{20})", re.I
)
_NUMBER_LABEL = re.compile(r"(?:发票号码|fapiao number|number)[^\d]{0,20}(\d{20})", re.I)
_EXEMPT_RATES = ("免税", "不征税", "***", "exempt")


class FapiaoFileError(FapiaoRuleError):
    """A file that cannot be registered: why, in a template the model translates."""

    def __init__(self, template, /, **params):
        super().__init__("file", template, **params)


@dataclass
class FapiaoFileLine:
    """One line (IssuItemInformation) of a fapiao: amounts in Decimal, the rate in percent."""

    name: str
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal
    tax_exempt: bool = False


@dataclass
class FapiaoFile:
    """What a fapiao's file says, as plain values (amounts negative on a red-letter fapiao)."""

    source: str  # "xml", "ofd" or "pdf"
    number: str
    issue_date: date
    amount_untaxed: Decimal
    amount_tax: Decimal
    amount_total: Decimal
    code: str = ""  # 发票代码: only on a pre-数电 e-fapiao
    fapiao_type: str | None = None  # a kind of fapiao_number.KINDS when the file says it
    seller_vat: str = ""
    seller_name: str = ""
    buyer_vat: str = ""
    buyer_name: str = ""
    lines: list = field(default_factory=list)  # FapiaoFileLine
    is_red: bool = False
    origin_number: str = ""  # the blue fapiao a red-letter one reverses
    red_reference: str = ""  # 红字发票信息确认单编号

    def amounts_by_rate(self):
        """{(rate percent, tax exempt): (untaxed, tax, total)}: one fapiao of the register per
        rate. Without lines (OFD, PDF), the single rate the totals fit; several fit → error."""
        if not self.lines:
            rates = fapiao_amount.rates_fitting(self.amount_untaxed, self.amount_tax)
            if len(rates) != 1:
                raise FapiaoFileError(
                    _(
                        "The file gives no tax rate and the totals %(untaxed)s + %(tax)s fit "
                        "%(count)s rates: it cannot be registered from this file. Use the "
                        "fapiao's XML file."
                    ),
                    untaxed=self.amount_untaxed,
                    tax=self.amount_tax,
                    count=len(rates),
                )
            return {(rates[0], False): (self.amount_untaxed, self.amount_tax, self.amount_total)}
        sums = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for line in self.lines:
            sums[line.tax_rate, line.tax_exempt][0] += line.amount
            sums[line.tax_rate, line.tax_exempt][1] += line.tax
        return {key: (untaxed, tax, untaxed + tax) for key, (untaxed, tax) in sums.items()}


def read_fapiao_file(name, data):
    """The FapiaoFile of file `name` (bytes `data`), by content rather than by extension."""
    if not data:
        raise FapiaoFileError(_("The file is empty. Choose the fapiao's XML, OFD or PDF file."))
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"%PDF"):
        result = _read_pdf(data)
    elif data.startswith(b"PK"):
        result = _read_ofd(data)
    elif head.startswith(b"<"):
        result = _read_xml(_xml_root(data))
    else:
        raise FapiaoFileError(
            _(
                "This is not a fapiao file: a fapiao is an XML (the legal original), OFD or PDF "
                "file as downloaded from the e-invoicing platform (电子发票服务平台)."
            )
        )
    _check_consistent(result)
    return result


# ---------------------------------------------------------------- XML
def _xml_root(data):
    try:
        return etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise FapiaoFileError(
            _("The XML file cannot be read (%(error)s): it is damaged or not a fapiao."),
            error=str(error),
        ) from None


def _local(tag):
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _find(node, *path):
    """The first descendant of `node` along `path` (local names; a step may be at any depth)."""
    for step in path:
        if node is None:
            return None
        node = next((e for e in node.iter() if e is not node and _local(e.tag) == step), None)
    return node


def _text(node, *path):
    found = _find(node, *path)
    return (found.text or "").strip() if found is not None else ""


def _read_xml(root):
    local = _local(root.tag)
    if local == "EInvoice":
        return _read_einvoice(root)
    if local.lower() == "einvoice":  # the 2019 e-fapiao (fp:eInvoice), as embedded in OFD
        return _read_old_einvoice(root)
    raise FapiaoFileError(
        _(
            "This XML file is not a fapiao: its root element is %(root)s, a digital fapiao "
            "(数电票) has EInvoice."
        ),
        root=local,
    )


def _read_einvoice(root):
    data = _find(root, "EInvoiceData")
    if data is None:
        raise _missing("EInvoiceData")
    number = _text(root, "TaxSupervisionInfo", "InvoiceNumber") or _text(root, "Header", "EIid")
    basic = _find(data, "BasicInformation")
    red = _find(root, "SpecificInformation", "RedEInvoice")
    origin, form = _red_numbers(red) if red is not None else ("", "")
    return FapiaoFile(
        source="xml",
        number=_required_number(number, "TaxSupervisionInfo/InvoiceNumber"),
        issue_date=_required_date(_text(root, "TaxSupervisionInfo", "IssueTime"), "IssueTime"),
        **_xml_amounts(
            basic,
            ("TotalAmWithoutTax", "TotalTaxAm", "TotalTax-includedAmount"),
            data,
            ("IssuItemInformation", "ItemName", "TaxRate", "ComTaxAm"),
        ),
        fapiao_type=_digital_kind(" ".join(_labels(root)), codes=True),
        seller_vat=_text(data, "SellerInformation", "SellerIdNum"),
        seller_name=_text(data, "SellerInformation", "SellerName"),
        buyer_vat=_text(data, "BuyerInformation", "BuyerIdNum"),
        buyer_name=_text(data, "BuyerInformation", "BuyerName"),
        is_red=red is not None,
        origin_number=origin,
        red_reference=form,
    )


def _labels(root):
    """Texts naming the fapiao's kind (EInvoiceType, GeneralOrSpecialVAT, …)."""
    for element in root.iter():
        if _local(element.tag) in ("EInvoiceType", "GeneralOrSpecialVAT", "InvoiceType"):
            yield " ".join(t.strip() for t in element.itertext())


def _digital_kind(text, codes=False):
    """digital_special / digital_general from a label such as 增值税专用发票 or 普通发票, and with
    `codes` (an XML label, never page text where dates hold 01) from its code 01/81 or 02/82."""
    if "专用" in text or "special" in text.lower():
        return "digital_special"
    if "普通" in text or "general" in text.lower():
        return "digital_general"
    if codes and re.search(r"(?<!\d)(01|81)(?!\d)", text):
        return "digital_special"
    if codes and re.search(r"(?<!\d)(02|82)(?!\d)", text):
        return "digital_general"
    return None


def red_numbers_in_text(text):
    """(blue fapiao number, form number) that a text such as a red 数电 fapiao's 备注 names,
    "" for each it does not: the platform writes 被红冲蓝字数电发票号码 and
    红字发票信息确认单编号 there, and the bureau's export carries that note."""
    text = to_halfwidth(text or "")
    origin = _ORIGIN_LABEL.search(text)
    form = _FORM_LABEL.search(text)
    return (origin.group(1) if origin else "", form.group(1) if form else "")


def _red_numbers(red):
    """(blue fapiao number, form number) of SpecificInformation/RedEInvoice, by tag name."""
    origin = form = ""
    unnamed = []
    for element in red.iter():
        value = (element.text or "").strip()
        if element is red or not _NUMBER_20.fullmatch(value):
            continue
        tag = _local(element.tag).lower()
        if not origin and ("blue" in tag or "original" in tag):
            origin = value
        elif not form and any(w in tag for w in ("form", "confirm", "info", "red")):
            form = value
        else:
            unnamed.append(value)
    if not origin and unnamed:
        origin = unnamed.pop(0)
    if not form and unnamed:
        form = unnamed.pop(0)
    if not origin:
        raise _missing("RedEInvoice (blue fapiao number)")
    return origin, form


def _read_old_einvoice(root):
    """The 2019 e-fapiao XML (fp:eInvoice): code + 8-digit number, kind from the code."""
    code = _text(root, "InvoiceCode")
    number = _text(root, "InvoiceNo") or _text(root, "InvoiceNumber")
    if not code or not re.fullmatch(r"\d{8}", number):
        raise _missing("InvoiceCode/InvoiceNo")
    try:
        kind = fapiao_number.detect_kind_from_code(code)
    except FapiaoRuleError:
        kind = None
    result = FapiaoFile(
        source="ofd",
        code=code,
        number=number,
        fapiao_type=kind,
        issue_date=_required_date(_text(root, "IssueDate"), "IssueDate"),
        **_xml_amounts(
            root,
            ("TaxExclusiveTotalAmount", "TaxTotalAmount", "TaxInclusiveTotalAmount"),
            root,
            ("GoodsInfo", "Item", "TaxScheme", "TaxAmount"),
        ),
        seller_vat=_text(root, "Seller", "SellerTaxID"),
        seller_name=_text(root, "Seller", "SellerName"),
        buyer_vat=_text(root, "Buyer", "BuyerTaxID"),
        buyer_name=_text(root, "Buyer", "BuyerName"),
    )
    result.is_red = result.amount_total < 0
    return result


def _xml_amounts(totals_node, totals, items_node, item):
    """The FapiaoFile's amounts and lines, read alike in both XML schemas: `totals` names the
    合计金额, 合计税额 and 价税合计 below `totals_node`; `item` names a line below `items_node`
    and its name, rate and 税额 (none when exempt). A line's 金额 is Amount in both."""
    untaxed, tax, total = (_required_money(totals_node, tag) for tag in totals)
    item_tag, name_tag, rate_tag, tax_tag = item
    lines = []
    for element in (e for e in items_node.iter() if _local(e.tag) == item_tag):
        rate, exempt = _rate(_text(element, rate_tag))
        lines.append(
            FapiaoFileLine(
                name=_text(element, name_tag),
                amount=_required_money(element, "Amount"),
                tax_rate=rate,
                tax=_money(_text(element, tax_tag)) if not exempt else Decimal(0),
                tax_exempt=exempt,
            )
        )
    return {"amount_untaxed": untaxed, "amount_tax": tax, "amount_total": total, "lines": lines}


# ---------------------------------------------------------------- OFD
def _read_ofd(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, ValueError):
        raise FapiaoFileError(_("The OFD file is damaged: it cannot be opened.")) from None

    def read(name):
        if members[name].file_size > MAX_MEMBER_BYTES:
            raise FapiaoFileError(
                _(
                    "The OFD file is too large to be a fapiao. Upload the fapiao's own file from the platform."
                )
            )
        try:
            return archive.read(name)
        except (zipfile.BadZipFile, ValueError, OSError):
            raise FapiaoFileError(_("The OFD file is damaged: it cannot be opened.")) from None

    embedded = next((n for n in members if n.rsplit("/", 1)[-1] == "original_invoice.xml"), None)
    if embedded:
        return _read_xml(_xml_root(read(embedded)))
    ofd_xml = next((n for n in members if n.rsplit("/", 1)[-1].upper() == "OFD.XML"), None)
    if not ofd_xml:
        raise FapiaoFileError(
            _("This zip file is not an OFD document (it has no OFD.xml): it is not a fapiao.")
        )
    custom = {}
    for element in _xml_root(read(ofd_xml)).iter():
        if _local(element.tag) == "CustomData":
            custom[to_halfwidth(element.get("Name", "")).strip()] = (element.text or "").strip()
    texts = []
    for name in sorted(members):
        if name.lower().endswith("content.xml"):
            root = _xml_root(read(name))
            texts.extend(e.text or "" for e in root.iter() if _local(e.tag) == "TextCode")
    return _from_text("\n".join(texts), "ofd", custom)


# ---------------------------------------------------------------- PDF
def _read_pdf(data):
    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n".join((page.extract_text() or "") for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError):
        raise FapiaoFileError(_("The PDF file is damaged: it cannot be opened.")) from None
    if not text.strip():
        raise FapiaoFileError(
            _(
                "The PDF file has no text layer (it is a scan or an image): it cannot be read. "
                "Upload the fapiao's XML or OFD file, or the PDF downloaded from the platform."
            )
        )
    return _from_text(text, "pdf", {})


def _from_text(text, source, custom):
    """A FapiaoFile from a page's text and, for OFD, its CustomData (name → value)."""
    text = to_halfwidth(text)

    def meta(*names):
        return next((custom[n] for n in names if custom.get(n)), "")

    number = meta("发票号码", "InvoiceNo", "InvoiceNumber")
    if not number:
        labelled = _NUMBER_LABEL.search(text)
        numbers = _NUMBER_20.findall(text)
        number = labelled.group(1) if labelled else (numbers[0] if numbers else "")
    number = _required_number(number, "发票号码")
    issue = meta("开票日期", "IssueDate", "IssueTime")
    if not issue:
        found = _DATE.search(text)
        issue = found.group(0) if found else ""
    issue_date = _required_date(issue, "开票日期")
    untaxed, tax, total = _text_totals(text, meta)
    buyer_vat, seller_vat = _text_tax_ids(text)
    origin = _ORIGIN_LABEL.search(text)
    form = _FORM_LABEL.search(text)
    rates = {_rate(r)[0] for r in _RATE_TEXT.findall(text)}
    result = FapiaoFile(
        source=source,
        number=number,
        issue_date=issue_date,
        amount_untaxed=untaxed,
        amount_tax=tax,
        amount_total=total,
        fapiao_type=_digital_kind(text[:200]),
        seller_vat=meta("销售方纳税人识别号", "SellerTaxID") or seller_vat,
        buyer_vat=meta("购买方纳税人识别号", "BuyerTaxID") or buyer_vat,
        is_red=total < 0,
        origin_number=origin.group(1) if origin else "",
        red_reference=form.group(1) if form else "",
    )
    if result.is_red and not result.origin_number:
        raise _missing("被红冲蓝字数电发票号码")
    if len(rates) == 1:  # one printed rate: the whole fapiao is at that rate
        result.lines.append(FapiaoFileLine("", untaxed, rates.pop(), tax))
    return result


def _text_totals(text, meta):
    """(合计金额, 合计税额, 价税合计) from metadata, else from the amounts printed on the page: the
    total after 小写 (else the largest), and the two amounts before it that add up to it."""
    untaxed = _money(meta("合计金额", "TaxExclusiveTotalAmount"))
    tax = _money(meta("合计税额", "TaxTotalAmount"))
    total = _money(meta("价税合计", "TaxInclusiveTotalAmount"))
    if untaxed is not None and tax is not None:
        return untaxed, tax, total if total is not None else untaxed + tax
    amounts = [(m.start(), _money(m.group(1))) for m in _MONEY.finditer(text)]
    if not amounts:
        raise _missing("合计金额 / 合计税额 / 价税合计")
    labelled = [
        (pos, value) for pos, value in amounts if _TOTAL_LABEL.search(text[max(0, pos - 30) : pos])
    ]
    total = labelled[-1][1] if labelled else max((v for _p, v in amounts), key=abs)
    values = [v for _p, v in amounts]
    pairs = [
        (a, b)
        for i, a in enumerate(values)
        for b in values[i + 1 :]
        if a + b == total and abs(a) >= abs(b) and total not in (a, b)
    ]
    fitting = [p for p in pairs if fapiao_amount.rates_fitting(*p)]
    if not (fitting or pairs):
        raise FapiaoFileError(
            _(
                "The amounts on this file do not add up: no 合计金额 and 合计税额 give the "
                "价税合计 %(total)s. The file may have been altered; use the fapiao's XML file."
            ),
            total=total,
        )
    untaxed, tax = (fitting or pairs)[-1]
    return untaxed, tax, total


def _text_tax_ids(text):
    """(buyer, seller) tax IDs: by the nearest 购买方 / 销售方 label before each, else in the
    order printed (buyer first)."""
    buyer = seller = ""
    found = list(_TAX_ID.finditer(text))
    unlabelled = []
    for match in found:
        before = text[max(0, match.start() - 60) : match.start()]
        last_seller = max((m.end() for m in _SELLER_LABEL.finditer(before)), default=-1)
        last_buyer = max((m.end() for m in _BUYER_LABEL.finditer(before)), default=-1)
        if last_seller > last_buyer and not seller:
            seller = match.group(1)
        elif last_buyer > last_seller and not buyer:
            buyer = match.group(1)
        else:
            unlabelled.append(match.group(1))
    if not buyer and unlabelled:
        buyer = unlabelled.pop(0)
    if not seller and unlabelled:
        seller = unlabelled.pop(0)
    return buyer, seller


# ---------------------------------------------------------------- values
def _missing(name):
    return FapiaoFileError(
        _("The file has no %(field)s: it is not a complete fapiao and cannot be registered."),
        field=name,
    )


def _required_number(value, name):
    value = re.sub(r"\s+", "", to_halfwidth(value or ""))
    if not value:
        raise _missing(name)
    if not _NUMBER_20.fullmatch(value):
        raise FapiaoFileError(
            _(
                "The fapiao number %(number)s in the file is not a 20-digit digital fapiao "
                "number (数电发票号码). Upload the fapiao's own file from the platform."
            ),
            number=value,
        )
    return value


def _required_date(value, name):
    found = _DATE.search(to_halfwidth(value or ""))
    if not found:
        raise _missing(name)
    year, month, day = (
        int(g) for g in (found.groups()[:3] if found.group(1) else found.groups()[3:])
    )
    try:
        return date(year, month, day)
    except ValueError:
        raise FapiaoFileError(
            _(
                "The issue date %(value)s in the file is not a valid date. Upload the fapiao's own file from the platform."
            ),
            value=value,
        ) from None


def _money(value):
    """A Decimal rounded to cents, or None for an empty value; FapiaoFileError if not a number."""
    text = re.sub(r"[\s,¥￥]+", "", to_halfwidth(value or ""))
    if not text:
        return None
    try:
        return Decimal(text).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise FapiaoFileError(
            _(
                "The amount %(value)s in the file is not a number. Upload the fapiao's own file from the platform."
            ),
            value=value,
        ) from None


def _required_money(node, name):
    value = _money(_text(node, name)) if node is not None else None
    if value is None:
        raise _missing(name)
    return value


def _rate(value):
    """(rate in percent, tax exempt) from "0.13", "13%", "13", 免税 / 不征税."""
    text = re.sub(r"\s+", "", to_halfwidth(value or ""))
    if not text:
        raise _missing("TaxRate")
    if any(word in text.lower() for word in _EXEMPT_RATES):
        return Decimal(0), True
    try:
        rate = Decimal(text.removesuffix("%"))
    except InvalidOperation:
        raise FapiaoFileError(
            _(
                "The tax rate %(value)s in the file is not a rate. Upload the fapiao's own file from the platform."
            ),
            value=value,
        ) from None
    if not text.endswith("%") and 0 < rate < 1:
        rate *= 100  # 0.13 means 13 %
    return rate.normalize() if rate else Decimal(0), False


def _check_consistent(result):
    """金额 + 税额 = 价税合计, and the lines add up to the totals: else the file was altered."""
    if abs(result.amount_untaxed + result.amount_tax - result.amount_total) > CENT:
        raise FapiaoFileError(
            _(
                "The totals of the file do not add up: amount %(untaxed)s + tax %(tax)s ≠ total "
                "%(total)s. The file has been altered (tampered); ask for the original file."
            ),
            untaxed=result.amount_untaxed,
            tax=result.amount_tax,
            total=result.amount_total,
        )
    if result.lines:
        lines_untaxed = sum((line.amount for line in result.lines), Decimal(0))
        lines_tax = sum((line.tax for line in result.lines), Decimal(0))
        if (
            abs(lines_untaxed - result.amount_untaxed) > LINE_TOLERANCE
            or abs(lines_tax - result.amount_tax) > LINE_TOLERANCE
        ):
            raise FapiaoFileError(
                _(
                    "The lines of the file (amount %(lines_untaxed)s, tax %(lines_tax)s) do not "
                    "add up to its totals (amount %(untaxed)s, tax %(tax)s). The file has been "
                    "altered (tampered); ask for the original file."
                ),
                lines_untaxed=lines_untaxed,
                lines_tax=lines_tax,
                untaxed=result.amount_untaxed,
                tax=result.amount_tax,
            )
    signs = {value > 0 for value in (result.amount_total,) if value}
    if result.is_red and True in signs:
        raise FapiaoFileError(
            _(
                "The file is a red-letter (红字) fapiao with the positive total %(total)s: the "
                "amounts of a red-letter fapiao are negative. The file has been altered."
            ),
            total=result.amount_total,
        )

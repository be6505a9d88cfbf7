"""Fapiao files made in the tests: a 数电 XML (docs/FAPIAO.md, The fapiao's own files), an OFD zip, a PDF."""

import io
import zipfile
from xml.sax.saxutils import escape

from reportlab.pdfgen import canvas

SELLER_VAT = "91310115MA1K3YUN8U"  # the demo company
BUYER_VAT = "91350100M000100Y43"


def einvoice_xml(
    number="26312000000000012345",
    issue_time="2026-12-01 10:20:30",
    seller_vat=SELLER_VAT,
    buyer_vat=BUYER_VAT,
    buyer_name="福州测试贸易有限公司",
    totals=("1000.00", "130.00", "1130.00"),
    lines=(("*货物*办公用品", "1000.00", "0.13", "130.00"),),
    kind="增值税专用发票",
    red=None,
):
    """A 数电 EInvoice as the platform exports it; `red`: (blue number, form number)."""
    items = "".join(
        f"<IssuItemInformation><ItemName>{escape(name)}</ItemName><Amount>{amount}</Amount>"
        f"<TaxRate>{rate}</TaxRate><ComTaxAm>{tax}</ComTaxAm></IssuItemInformation>"
        for name, amount, rate, tax in lines
    )
    specific = (
        "<SpecificInformation><RedEInvoice>"
        f"<BlueInvoiceNumber>{red[0]}</BlueInvoiceNumber>"
        f"<RedInvoiceFormNumber>{red[1]}</RedInvoiceFormNumber>"
        "</RedEInvoice></SpecificInformation>"
        if red
        else ""
    )
    untaxed, tax, total = totals
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<EInvoice>'
        f"<Header><EIid>{number}</EIid><EInvoiceTag>SWEI3100</EInvoiceTag>"
        f"<InherentLabel><EInvoiceType><LabelName>{kind}</LabelName></EInvoiceType>"
        "</InherentLabel></Header>"
        "<EInvoiceData>"
        f"<SellerInformation><SellerIdNum>{seller_vat}</SellerIdNum>"
        "<SellerName>上海云杉贸易有限公司</SellerName></SellerInformation>"
        f"<BuyerInformation><BuyerIdNum>{buyer_vat}</BuyerIdNum>"
        f"<BuyerName>{escape(buyer_name)}</BuyerName></BuyerInformation>"
        f"<BasicInformation><TotalAmWithoutTax>{untaxed}</TotalAmWithoutTax>"
        f"<TotalTaxAm>{tax}</TotalTaxAm>"
        f"<TotalTax-includedAmount>{total}</TotalTax-includedAmount></BasicInformation>"
        f"{items}{specific}</EInvoiceData>"
        f"<TaxSupervisionInfo><InvoiceNumber>{number}</InvoiceNumber>"
        f"<IssueTime>{issue_time}</IssueTime></TaxSupervisionInfo>"
        "<TaxBureauSignature>MEUCIQ==</TaxBureauSignature></EInvoice>"
    ).encode()


def ofd_zip(custom=None, texts=(), embedded=None):
    """A minimal OFD: OFD.xml with CustomData, one page of TextCode; or an embedded XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        datas = "".join(
            f'<ofd:CustomData Name="{name}">{value}</ofd:CustomData>'
            for name, value in (custom or {}).items()
        )
        archive.writestr(
            "OFD.xml",
            '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"'
            ' Version="1.1"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID>'
            f"<ofd:CustomDatas>{datas}</ofd:CustomDatas></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        codes = "".join(
            f'<ofd:TextObject ID="{i}"><ofd:TextCode X="0" Y="0">{escape(text)}</ofd:TextCode>'
            "</ofd:TextObject>"
            for i, text in enumerate(texts)
        )
        archive.writestr(
            "Doc_0/Pages/Page_0/Content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">'
            f"<ofd:Content><ofd:Layer>{codes}</ofd:Layer></ofd:Content></ofd:Page>",
        )
        if embedded:
            archive.writestr("Doc_0/Attachs/original_invoice.xml", embedded)
    return buffer.getvalue()


def old_einvoice_xml(code="044001900111", number="01234567"):
    """The XML a 2019 e-fapiao OFD embeds (fp:eInvoice)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><fp:eInvoice xmlns:fp="http://www.edrm.org.cn/schema/e-invoice/2019">'
        f"<fp:InvoiceCode>{code}</fp:InvoiceCode><fp:InvoiceNo>{number}</fp:InvoiceNo>"
        "<fp:IssueDate>2026年11月28日</fp:IssueDate>"
        f"<fp:Buyer><fp:BuyerName>福州测试贸易有限公司</fp:BuyerName><fp:BuyerTaxID>{BUYER_VAT}</fp:BuyerTaxID></fp:Buyer>"
        f"<fp:Seller><fp:SellerName>上海云杉贸易有限公司</fp:SellerName><fp:SellerTaxID>{SELLER_VAT}</fp:SellerTaxID></fp:Seller>"
        "<fp:GoodsInfos><fp:GoodsInfo><fp:Item>*服务*咨询</fp:Item><fp:Amount>200.00</fp:Amount>"
        "<fp:TaxScheme>6%</fp:TaxScheme><fp:TaxAmount>12.00</fp:TaxAmount></fp:GoodsInfo></fp:GoodsInfos>"
        "<fp:TaxExclusiveTotalAmount>200.00</fp:TaxExclusiveTotalAmount>"
        "<fp:TaxTotalAmount>12.00</fp:TaxTotalAmount>"
        "<fp:TaxInclusiveTotalAmount>212.00</fp:TaxInclusiveTotalAmount></fp:eInvoice>"
    ).encode()


def pdf_file(lines):
    """A one-page PDF with `lines` of ASCII text (reportlab), or without text when empty."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    if not lines:
        page.rect(50, 50, 200, 100, fill=1)  # a drawing, no text: like a scan
    for i, line in enumerate(lines):
        page.drawString(50, 800 - 20 * i, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def fapiao_pdf(number="26312000000000012345", untaxed="1000.00", tax="130.00", total="1130.00",
               seller_vat=SELLER_VAT, buyer_vat=BUYER_VAT, day="2026-12-01", extra=(),
               title="Digital fapiao (special VAT)"):  # fmt: skip
    return pdf_file(
        [
            title,
            f"Fapiao number: {number}",
            f"Issue date: {day}",
            f"Buyer tax ID: {buyer_vat}",
            f"Seller tax ID: {seller_vat}",
            f"Office supplies 1 {untaxed} 13% {tax}",
            f"Sum {untaxed} {tax}",
            f"Total (small): {total}",
            *extra,
        ]
    )

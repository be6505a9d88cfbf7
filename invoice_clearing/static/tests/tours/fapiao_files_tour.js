import { registry } from "@web/core/registry";
import { inputFiles } from "@web/../tests/utils";

const NUMBER = "26312000000055555555";

/** The 数电 XML of a fapiao of the demo company to its first customer (see test_tours.py). */
function fapiaoXml() {
    const today = luxon.DateTime.local().toISODate();
    return `<?xml version="1.0" encoding="utf-8"?>
<EInvoice><Header><EIid>${NUMBER}</EIid>
<InherentLabel><EInvoiceType><LabelName>普通发票</LabelName></EInvoiceType></InherentLabel></Header>
<EInvoiceData>
<SellerInformation><SellerIdNum>91310115MA1K3YUN8U</SellerIdNum><SellerName>上海云杉贸易有限公司</SellerName></SellerInformation>
<BuyerInformation><BuyerIdNum>91110108Y4CL12TH3N</BuyerIdNum><BuyerName>demo</BuyerName></BuyerInformation>
<BasicInformation><TotalAmWithoutTax>4321.00</TotalAmWithoutTax><TotalTaxAm>561.73</TotalTaxAm>
<TotalTax-includedAmount>4882.73</TotalTax-includedAmount></BasicInformation>
<IssuItemInformation><ItemName>*货物*办公用品</ItemName><Amount>4321.00</Amount><TaxRate>13%</TaxRate>
<ComTaxAm>561.73</ComTaxAm></IssuItemInformation></EInvoiceData>
<TaxSupervisionInfo><InvoiceNumber>${NUMBER}</InvoiceNumber><IssueTime>${today} 10:00:00</IssueTime></TaxSupervisionInfo>
</EInvoice>`;
}

/**
 * A clearing user (开票员, in Chinese) uploads the fapiao's XML file from the register, checks the
 * preview (the buyer's invoice of the same total is proposed) and registers it.
 */
registry.category("web_tour.tours").add("invoice_clearing_fapiao_files", {
    steps: () => [
        {
            content: "Open the upload wizard from the fapiao register",
            trigger: ".o_control_panel button:contains(上传发票文件)",
            run: "click",
        },
        {
            content: "Upload the fapiao's XML file",
            trigger: ".modal .o_field_many2many_binary",
            async run() {
                const file = new File([fapiaoXml()], `dzfp_${NUMBER}.xml`, { type: "text/xml" });
                await inputFiles(".modal .o_field_many2many_binary input[type=file]", [file]);
            },
        },
        {
            content: "The file is uploaded",
            trigger: `.modal .o_field_many2many_binary .o_attachment:not(.o_attachment_uploading):contains(${NUMBER})`,
        },
        {
            content: "Read the files",
            trigger: ".modal button[name=action_preview]",
            run: "click",
        },
        {
            content: "The preview proposes the buyer's invoice",
            trigger: `.modal .o_data_row:contains(${NUMBER}):contains(4,882.73) td[name=move_id]:contains(INV)`,
        },
        {
            content: "Register",
            trigger: ".modal button[name=action_register]",
            run: "click",
        },
        {
            content: "The register shows the new fapiao",
            trigger: `.o_list_view .o_data_row:contains(${NUMBER})`,
        },
    ],
});

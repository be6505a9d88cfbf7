"""`make readme`: the addon's README.rst and static/description/index.html from readme/*.md.

The OCA way (oca-gen-addon-readme does the same from the same fragments): the fragments are the
source, README.rst is what the package index shows, index.html what Odoo's Apps page shows.
"""

import re
import sys
from pathlib import Path

from docutils.core import publish_string

ADDON = Path(__file__).resolve().parent.parent / "invoice_clearing"
TITLE = "Fapiao Clearing (发票清卡)"
SECTIONS = (("Configuration", "CONFIGURE.md"), ("Usage", "USAGE.md"))


def md_to_rst(text):
    """The Markdown the fragments use (paragraphs, numbered and bulleted lists, `code`) as RST."""
    return "\n".join(_rst_line(line) for line in text.strip().splitlines())


def _rst_line(line):
    line = re.sub(r"`([^`]+)`", r"``\1``", line)
    line = re.sub(r"^(\s*)\d+\. ", r"\1#. ", line)
    return re.sub(r"^(\s*)- ", r"\1* ", line)


def readme_rst(addon=ADDON):
    fragments = addon / "readme"
    bar = "=" * 29
    parts = [bar, TITLE, bar, "", md_to_rst((fragments / "DESCRIPTION.md").read_text()), ""]
    parts += ["See the repository's README.md for setup, tests and benchmarks.", ""]
    parts += ["**Table of contents**", "", ".. contents::", "   :local:", ""]
    for title, name in SECTIONS:
        parts += [title, "=" * len(title), "", md_to_rst((fragments / name).read_text()), ""]
    parts += [
        "Credits",
        "=======",
        "",
        "Authors",
        "-------",
        "",
        "* invoice_clearing developers",
        "",
    ]
    parts += [
        "Contributors",
        "------------",
        "",
        md_to_rst((fragments / "CONTRIBUTORS.md").read_text()),
    ]
    return "\n".join(parts) + "\n"


def index_html(rst):
    return publish_string(
        rst, writer_name="html5", settings_overrides={"halt_level": 2, "report_level": 2}
    ).decode()


def main():
    rst = readme_rst()
    (ADDON / "README.rst").write_text(rst)
    (ADDON / "static" / "description" / "index.html").write_text(index_html(rst))
    print("README.rst and static/description/index.html written", file=sys.stderr)


if __name__ == "__main__":
    main()

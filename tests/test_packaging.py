"""The addon ships the way OCA addons do: a wheel named odoo-addon-invoice_clearing (whool)."""

import ast
import importlib.util
import os
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "invoice_clearing"

whool = pytest.importorskip("whool.buildapi")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    cwd = os.getcwd()
    os.chdir(ADDON)  # whool builds the addon of the current directory
    try:
        name = whool.build_wheel(str(out))
    finally:
        os.chdir(cwd)
    return out / name


def test_wheel_name_and_version_follow_the_manifest(wheel):
    version = ast.literal_eval((ADDON / "__manifest__.py").read_text())["version"]
    assert wheel.name.startswith(f"odoo_addon_invoice_clearing-{version}")
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith("/METADATA"))
        text = archive.read(metadata).decode()
    assert "Name: odoo-addon-invoice_clearing" in text
    assert "Requires-Dist: odoo==19.0.*" in text
    assert "Requires-Dist: python-stdnum" in text
    # The package index shows the addon's README.rst, written from the OCA readme/ fragments.
    assert "The monthly routine" in text
    assert "Four-eyes Approval" in text


def test_wheel_carries_code_data_and_translations(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    prefix = "odoo/addons/invoice_clearing/"
    for path in (
        "__manifest__.py",
        "models/invoice_clearing.py",
        "security/ir.model.access.csv",
        "views/invoice_clearing_views.xml",
        "i18n/zh_CN.po",
        "i18n/invoice_clearing.pot",
        "static/description/icon.png",
        "static/description/index.html",
    ):
        assert prefix + path in names, path


def test_readme_is_written_from_the_fragments():
    """README.rst and index.html are outputs of `make readme`: edit readme/*.md, then run it."""
    script = ROOT / "scripts" / "readme.py"
    spec = importlib.util.spec_from_file_location("readme_script", script)
    readme = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(readme)
    rst = readme.readme_rst(ADDON)
    assert (ADDON / "README.rst").read_text() == rst, "run make readme"
    html = (ADDON / "static" / "description" / "index.html").read_text()
    assert html == readme.index_html(rst), "run make readme"
    assert "The monthly routine" in html

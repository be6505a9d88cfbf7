"""Pure tests of the archive package writer: streamed entries, the manifest written last."""

import hashlib
import io
import json
import zipfile

from ..tools import archive_package
from .tools_case import ToolsCase, parametrize

HEAD = {"company": {"name": "Demo", "vat": None}, "created_at": "2026-11-05T10:00:00Z"}


def chunked(data, size=3):
    return (data[i : i + size] for i in range(0, len(data), size))


class TestArchivePackage(ToolsCase):
    def test_manifest_lists_every_entry_last(self):
        pdf, text = b"%PDF-1.4 certificate %%EOF", "第一行\n第二行".encode()
        output = io.BytesIO()
        count, total = archive_package.write_package(
            output,
            HEAD,
            [
                ("reports/certificate.pdf", "certificate", chunked(pdf)),
                ("data/fapiao.txt", "data", chunked(text)),
                ("originals/2644/发票.xml", "fapiao original", [b"<a/>", b""]),
            ],
        )
        with zipfile.ZipFile(output) as package:
            names = package.namelist()
            assert names[-1] == "manifest.json"
            manifest_text = package.read("manifest.json").decode()
            stored = json.loads(manifest_text)
            assert manifest_text == json.dumps(stored, ensure_ascii=False, sort_keys=True, indent=1)
            assert (count, total) == (3, len(pdf) + len(text) + len(b"<a/>"))
            assert stored["format"] == "invoice_clearing.archive/1"
            assert stored["company"] == HEAD["company"]
            assert [f["path"] for f in stored["files"]] == names[:-1]
            for entry in stored["files"]:
                content = package.read(entry["path"])
                assert entry["sha256"] == hashlib.sha256(content).hexdigest()
                assert entry["size"] == len(content)
            assert package.read("data/fapiao.txt") == text
            assert package.getinfo("data/fapiao.txt").compress_type == zipfile.ZIP_DEFLATED
        assert [f["role"] for f in stored["files"]] == ["certificate", "data", "fapiao original"]

    @parametrize(
        ("path", "role"),
        [
            ("../evil.txt", "data"),
            ("/abs.txt", "data"),
            ("manifest.json", "data"),
            ("data/x.txt", "unknown role"),
        ],
    )
    def test_refuses_unsafe_paths_and_roles(self, path, role):
        try:
            archive_package.write_package(io.BytesIO(), HEAD, [(path, role, [b"x"])])
        except ValueError:
            return
        raise AssertionError(f"{path} ({role}) was written")

    def test_refuses_a_duplicate_path(self):
        entries = [("a.txt", "data", [b"1"]), ("a.txt", "data", [b"2"])]
        try:
            archive_package.write_package(io.BytesIO(), HEAD, entries)
        except ValueError:
            return
        raise AssertionError("a duplicate path was written")

    @parametrize(
        ("name", "expected"),
        [("a/b/../c.xml", "c.xml"), ("..", "file"), (".hidden", "hidden"), ("", "file"),
         ("x\\y.pdf", "y.pdf"), ("发票.ofd", "发票.ofd")],
    )  # fmt: skip
    def test_safe_name(self, name, expected):
        assert archive_package.safe_name(name) == expected

    def test_unique_path(self):
        taken = set()
        paths = [archive_package.unique_path("o/1/a.xml", taken) for _ in range(3)]
        assert paths == ["o/1/a.xml", "o/1/a-2.xml", "o/1/a-3.xml"]
        assert archive_package.unique_path("o/1/README", taken) == "o/1/README"

#!/usr/bin/env python3
"""Verify a clearing's archive package (归档包) with nothing but Python's standard library.

    python3 archive_verify.py PACKAGE.zip [PREVIOUS.zip] [--lang zh_CN]    (Python 3.9 or later)

Checks the four properties of an electronic accounting archive (DA/T 94-2022's 四性检测):
authenticity (真实性: the clearing's hash recomputed from the package's data equals the one
it states; with the previous package, the chain link), integrity (完整性: every file the
manifest lists is present with its size and SHA-256, nothing else is), usability (可用性: each
file opens as its kind) and safety (安全性: no path escapes, no links, sizes and compression
bounded). Prints one line per finding naming the file and the property, then a summary line;
exits 0 when all hold, 1 otherwise.

This file is also the one implementation of the clearing hash and of the digests of its data
used by the invoice_clearing addon, so the addon and the verifier cannot drift apart. It must
keep working as a single downloaded file: standard library only, no relative import.
"""

import argparse
import hashlib
import io
import json
import os
import re
import stat
import struct
import sys
import tempfile
import zipfile
import zlib
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.parsers import expat

FORMAT = "invoice_clearing.archive/1"
ROLES = ("certificate", "summary", "xlsx", "fapiao original", "bureau export", "data")
PROPERTIES = ("authenticity", "integrity", "usability", "safety")
MANIFEST = "manifest.json"
CLEARING_DATA = "data/clearing.json"
FAPIAO_DATA = "data/fapiao.txt"
INVOICE_LINES_DATA = "data/invoice_lines.txt"

# Version of the clearing hash written now, stored as `$<version>$<hex>` like Odoo's inalterable
# hash. 1: header, summary, filing record and frozen fapiao; 2: also their invoices' journal
# items. Each clearing verifies by its own version.
HASH_VERSION = 2
HASH_VERSIONS = tuple(range(1, HASH_VERSION + 1))
HASH_PREFIX = re.compile(r"^\$(\d+)\$(.*)$", re.S)

SUMMARY_MEASURES = (
    "blue_count", "blue_amount", "blue_tax",
    "red_count", "red_amount", "red_tax",
    "void_blue_count", "void_blue_amount", "void_blue_tax",
    "void_red_count", "void_red_amount", "void_red_tax",
)  # fmt: skip
CENT = Decimal("0.01")
INVOICE_LINE = struct.Struct(">i32s")  # PostgreSQL's int4send(id) || sha256 of the line

# Bounds of what the verifier decompresses, checked on the ZIP's directory before reading:
# a zip bomb is refused without being inflated.
MAX_ENTRIES = 5_000_000
MAX_FILE_SIZE = 4 << 30  # 4 GiB uncompressed per file
MAX_TOTAL_SIZE = 64 << 30  # 64 GiB uncompressed in all
MAX_RATIO = 200  # uncompressed / compressed, for files above RATIO_FLOOR
RATIO_FLOOR = 1 << 20
MAX_JSON_SIZE = 256 << 20
READ_CHUNK = 1 << 20
SPOOL_SIZE = 16 << 20  # a file checked is kept in memory up to this size, then on disk
SYMLINK = 0o120000


# ------------------------------------------------------------ the clearing hash
def to_cents(value):
    """`value` (number or numeric text, None/False = 0) as a Decimal rounded half-up to cents."""
    if value is None or value is False:
        return Decimal(0)
    return Decimal(str(value).strip()).quantize(CENT, rounding=ROUND_HALF_UP)


def split_hash(value):
    """(version, hex digest) of a stored clearing hash `$<version>$<hex>`; a bare digest is
    version 1 (written before versions existed)."""
    value = value or ""
    match = HASH_PREFIX.match(value)
    if match:
        return int(match[1]), match[2]
    return 1, value


def format_hash(version, digest):
    """The stored form of a clearing hash: `$<version>$<hex>`."""
    return f"${version}${digest}"


def clearing_hash(previous_hash, header, summary_lines, fapiao_digest, invoice_digest=None):
    """SHA-256 over what a clearing certifies, chained to the company's previous clearing.

    `previous_hash` is the previous clearing's hex digest (without its version prefix);
    `header` is a dict of the clearing's identity; `summary_lines` dicts of SUMMARY_MEASURES;
    `fapiao_digest` the SHA-256 of the frozen fapiao's text (`fapiao_digest`);
    `invoice_digest` (hash version 2 on) the SHA-256 of their invoices' journal items, None in
    version 1. Verifying is recomputing: any change of a field, a line or a fapiao changes the
    result.
    """
    sha = hashlib.sha256()
    sha.update((previous_hash or "").encode())
    for key in sorted(header):
        sha.update(f"\n{key}={header[key]}".encode())
    for line in sorted(
        summary_lines, key=lambda line: (line["fapiao_type"], float(line["tax_rate"]))
    ):
        values = [line["fapiao_type"], f"{float(line['tax_rate']):.2f}"]
        values += [
            str(to_cents(line[m])) if "count" not in m else str(int(line[m]))
            for m in SUMMARY_MEASURES
        ]
        sha.update(("\n" + "|".join(values)).encode())
    sha.update(f"\nfapiao={fapiao_digest}".encode())
    if invoice_digest is not None:
        sha.update(f"\ninvoices={invoice_digest}".encode())
    return sha.hexdigest()


class FapiaoDigest:
    """The fapiao digest: SHA-256 of the fapiao's hashed texts joined by "\\n", in id order.

    Fed in chunks, `chunk(texts)` returns the bytes those texts add to data/fapiao.txt (whose
    SHA-256 is therefore the digest), so the addon's digest and its data file are one text.
    """

    def __init__(self):
        self._sha = hashlib.sha256()
        self.count = 0

    def chunk(self, texts):
        data = "\n".join(texts).encode()
        if data or texts:
            if self.count:
                data = b"\n" + data
            self.count += len(texts)
            self._sha.update(data)
        return data

    def hexdigest(self):
        return self._sha.hexdigest()


class InvoiceLinesDigest:
    """The journal-item digest: SHA-256 over (4-byte big-endian id + 32-byte line digest) in id
    order, as PostgreSQL's int4send(id) || sha256(line text) concatenated; the lines of
    data/invoice_lines.txt are "<id> <hex of the line digest>", joined by "\\n"."""

    def __init__(self):
        self._sha = hashlib.sha256()
        self.count = 0

    def chunk(self, rows):
        """The bytes `rows` [(id, 32-byte digest)] add to data/invoice_lines.txt."""
        lines = []
        for line_id, line_digest in rows:
            digest = bytes(line_digest)
            self._sha.update(INVOICE_LINE.pack(line_id, digest))
            lines.append(f"{line_id} {digest.hex()}")
        data = "\n".join(lines).encode()
        if lines and self.count:
            data = b"\n" + data
        self.count += len(lines)
        return data

    def hexdigest(self):
        return self._sha.hexdigest()


# ------------------------------------------------------------ messages
MESSAGES = {
    "en": {
        "authenticity": "authenticity",
        "integrity": "integrity",
        "usability": "usability",
        "safety": "safety",
        "not_found": "the file does not exist",
        "not_zip": "not a readable ZIP archive ({error})",
        "unreadable": "cannot be read ({error})",
        "no_manifest": "manifest.json is missing: nothing can be verified",
        "bad_manifest": "manifest.json is not a valid manifest ({error})",
        "bad_format": "unknown package format {value!r}, expected {expected!r}",
        "bad_entry": "manifest entry {index} is not a file entry (path, sha256, size, role)",
        "bad_role": "unknown role {value!r}",
        "listed_twice": "listed twice in the manifest",
        "missing": "listed in the manifest but missing from the package",
        "unlisted": "in the package but not listed in the manifest",
        "size_listed": "size {actual} bytes, the manifest says {listed}",
        "sha_listed": "SHA-256 differs from the manifest: the file was changed",
        "absolute": "absolute path: it would be written outside the folder it is extracted to",
        "dotdot": "path with '..': it would be written outside the folder it is extracted to",
        "bad_name": "unsafe file name (backslash, empty or drive part)",
        "link": "a symbolic link, not a file",
        "duplicate": "appears {count} times in the ZIP",
        "too_many": "{count} entries, more than {limit}",
        "too_large": "{size} bytes uncompressed, more than {limit}",
        "total_too_large": "{size} bytes uncompressed in all, more than {limit}",
        "ratio": "compressed {ratio}:1, more than {limit}:1 (a zip bomb?): not decompressed",
        "encrypted": "encrypted: cannot be verified",
        "compression": "unsupported compression method {method}",
        "size_declared": "inflates to more than the {size} bytes its ZIP entry declares",
        "pdf_header": "not a PDF: it does not start with %PDF-",
        "pdf_trailer": "truncated PDF: no %%EOF at its end",
        "xml_entities": "XML with a DTD or entity declarations: refused",
        "xml_invalid": "not well-formed XML ({error})",
        "zip_part": "not a readable {kind} (a ZIP with {part})",
        "json_invalid": "not valid JSON ({error})",
        "text_invalid": "not UTF-8 text",
        "data_missing": "the clearing's data is missing: its hash cannot be recomputed",
        "data_invalid": "the clearing's data is not readable ({error})",
        "version": "hash version {version} is unknown to this verifier",
        "fapiao_digest": "the fapiao's text does not give the clearing's fapiao digest: a fapiao was changed",
        "fapiao_count": "{actual} fapiao, the clearing's data says {listed}",
        "invoice_digest": "the journal items' digests do not give the clearing's invoice digest: a line was changed",
        "invoice_count": "{actual} journal items, the clearing's data says {listed}",
        "invoice_line": "line {line} is not '<id> <sha256 hex>'",
        "hash": "the clearing's hash recomputed from its data ({computed}) is not the one stated ({stated})",
        "manifest_hash": "the manifest's {key} is not the one of the clearing's data",
        "manifest_name": "the manifest names clearing {manifest}, the data {data}",
        "previous_unreadable": "the previous package cannot be read ({error})",
        "previous_hash": "the previous hash {previous} is not the hash {hash} of the previous package's clearing {name}",
        "previous_company": "the previous package is of another company ({company})",
        "ok": "OK: {files} files; authenticity, integrity, usability and safety hold (clearing {name}, hash {hash}).",
        "failed": "FAILED: {count} findings in {files} files (clearing {name}).",
        "usage": "usage: archive_verify.py PACKAGE.zip [PREVIOUS.zip] [--lang zh_CN]",
    },
    "zh_CN": {
        "authenticity": "真实性",
        "integrity": "完整性",
        "usability": "可用性",
        "safety": "安全性",
        "not_found": "文件不存在",
        "not_zip": "不是可读取的 ZIP 文件（{error}）",
        "unreadable": "无法读取（{error}）",
        "no_manifest": "缺少 manifest.json：无法校验",
        "bad_manifest": "manifest.json 不是有效的清单（{error}）",
        "bad_format": "未知的归档包格式 {value!r}，应为 {expected!r}",
        "bad_entry": "清单第 {index} 项不是文件条目（path、sha256、size、role）",
        "bad_role": "未知的文件角色 {value!r}",
        "listed_twice": "在清单中列出两次",
        "missing": "清单中列出，但归档包中缺失",
        "unlisted": "在归档包中，但未列入清单",
        "size_listed": "大小为 {actual} 字节，清单记载为 {listed}",
        "sha_listed": "SHA-256 与清单不符：文件已被修改",
        "absolute": "绝对路径：解压时会写到目标文件夹之外",
        "dotdot": "路径含 '..'：解压时会写到目标文件夹之外",
        "bad_name": "不安全的文件名（反斜杠、空段或盘符）",
        "link": "是符号链接，不是文件",
        "duplicate": "在 ZIP 中出现 {count} 次",
        "too_many": "共 {count} 个条目，超过 {limit}",
        "too_large": "解压后 {size} 字节，超过 {limit}",
        "total_too_large": "解压后共 {size} 字节，超过 {limit}",
        "ratio": "压缩比 {ratio}:1，超过 {limit}:1（疑似 ZIP 炸弹）：未解压",
        "encrypted": "已加密：无法校验",
        "compression": "不支持的压缩方式 {method}",
        "size_declared": "解压后超过其 ZIP 条目声明的 {size} 字节",
        "pdf_header": "不是 PDF：未以 %PDF- 开头",
        "pdf_trailer": "PDF 不完整：结尾没有 %%EOF",
        "xml_entities": "XML 含 DTD 或实体声明：拒绝",
        "xml_invalid": "XML 格式不正确（{error}）",
        "zip_part": "不是可读取的 {kind}（含 {part} 的 ZIP）",
        "json_invalid": "不是有效的 JSON（{error}）",
        "text_invalid": "不是 UTF-8 文本",
        "data_missing": "缺少清卡数据：无法重新计算哈希",
        "data_invalid": "清卡数据无法读取（{error}）",
        "version": "本校验程序不认识哈希版本 {version}",
        "fapiao_digest": "发票文本与清卡的发票摘要不符：有发票被修改",
        "fapiao_count": "共 {actual} 张发票，清卡数据记载为 {listed}",
        "invoice_digest": "分录行摘要与清卡的分录摘要不符：有分录行被修改",
        "invoice_count": "共 {actual} 条分录行，清卡数据记载为 {listed}",
        "invoice_line": "第 {line} 行不是 '<id> <sha256 十六进制>'",
        "hash": "由数据重新计算的清卡哈希（{computed}）与记载的（{stated}）不符",
        "manifest_hash": "清单中的 {key} 与清卡数据不符",
        "manifest_name": "清单记载清卡 {manifest}，数据为 {data}",
        "previous_unreadable": "上一归档包无法读取（{error}）",
        "previous_hash": "上一哈希 {previous} 不是上一归档包清卡 {name} 的哈希 {hash}",
        "previous_company": "上一归档包属于其他公司（{company}）",
        "ok": "通过：{files} 个文件；真实性、完整性、可用性、安全性均满足（清卡 {name}，哈希 {hash}）。",
        "failed": "未通过：{files} 个文件中发现 {count} 个问题（清卡 {name}）。",
        "usage": "用法：archive_verify.py 归档包.zip [上一归档包.zip] [--lang zh_CN]",
    },
}
LANGS = tuple(MESSAGES)


def message(lang, key, **params):
    """The text of message `key` in `lang` (English when the language is not known)."""
    texts = MESSAGES.get(lang) or MESSAGES["en"]
    return texts.get(key, MESSAGES["en"][key]).format(**params)


class Finding:
    """One property that does not hold for one file of the package."""

    __slots__ = ("message", "path", "prop")

    def __init__(self, path, prop, message):
        self.path, self.prop, self.message = path, prop, message

    def __repr__(self):
        return f"Finding({self.path!r}, {self.prop!r}, {self.message!r})"


class Report:
    """What `verify` found: `ok`, `findings` (Finding), `lines()` as printed."""

    def __init__(self, package, lang="en"):
        self.package = package
        self.lang = lang if lang in MESSAGES else "en"
        self.findings = []
        self.files = 0
        self.clearing = ""
        self.hash = ""

    @property
    def ok(self):
        return not self.findings

    def add(self, path, prop, key, **params):
        self.findings.append(Finding(path, prop, message(self.lang, key, **params)))

    def lines(self):
        lines = [f"{f.path}: {message(self.lang, f.prop)}: {f.message}" for f in self.findings]
        if self.ok:
            lines.append(
                message(self.lang, "ok", files=self.files, name=self.clearing, hash=self.hash)
            )
        else:
            lines.append(
                message(
                    self.lang,
                    "failed",
                    count=len(self.findings),
                    files=self.files,
                    name=self.clearing or "?",
                )
            )
        return lines


# ------------------------------------------------------------ verification
def verify(package_path, previous_path=None, lang="en"):
    """Check the package at `package_path` (and its link to `previous_path`); a Report."""
    report = Report(os.path.basename(str(package_path)), lang)
    try:
        _verify(report, package_path, previous_path)
    except Exception as error:  # a package must never end in a traceback: it is a finding
        report.add(report.package, "integrity", "unreadable", error=_error(error))
    return report


def _verify(report, package_path, previous_path):
    if not os.path.isfile(package_path):
        report.add(report.package, "integrity", "not_found")
        return
    try:
        archive = zipfile.ZipFile(package_path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        report.add(report.package, "integrity", "not_zip", error=_error(error))
        return
    with archive:
        infos = _check_safety(report, archive)
        manifest = _read_manifest(report, archive, infos)
        if manifest is None:
            return
        listed = _check_listing(report, manifest, infos)
        report.files = len(listed)
        data = {}
        for entry in listed.values():
            _check_file(report, archive, infos.get(entry["path"]), entry, data)
        _check_authenticity(report, manifest, data)
        if previous_path is not None:
            _check_previous(report, manifest, previous_path)


def _error(error):
    return str(error) or type(error).__name__


def _check_safety(report, archive):
    """{name: ZipInfo} of the entries that are safe to read; the others are findings."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        report.add(report.package, "safety", "too_many", count=len(infos), limit=MAX_ENTRIES)
        return {}
    counts = {}
    for info in infos:
        counts[info.filename] = counts.get(info.filename, 0) + 1
    safe, total = {}, 0
    for info in infos:
        name = info.filename
        key = _unsafe_name(name)
        if key:
            report.add(name, "safety", key)
            continue
        if counts[name] > 1:
            if name not in safe:
                report.add(name, "safety", "duplicate", count=counts[name])
                safe[name] = None
            continue
        if stat.S_IFMT(info.external_attr >> 16) == SYMLINK:
            report.add(name, "safety", "link")
            continue
        if info.flag_bits & 0x1:
            report.add(name, "safety", "encrypted")
            continue
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            report.add(name, "safety", "compression", method=info.compress_type)
            continue
        if info.file_size > MAX_FILE_SIZE:
            report.add(name, "safety", "too_large", size=info.file_size, limit=MAX_FILE_SIZE)
            continue
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            report.add(name, "safety", "ratio", ratio=ratio, limit=MAX_RATIO)
            continue
        total += info.file_size
        safe[name] = info
    if total > MAX_TOTAL_SIZE:
        report.add(report.package, "safety", "total_too_large", size=total, limit=MAX_TOTAL_SIZE)
        return {}
    return {name: info for name, info in safe.items() if info is not None}


def _unsafe_name(name):
    """The message key of what is unsafe in the entry name `name`, or None."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "absolute"
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        return "dotdot"
    if "\\" in name or "" in parts[:-1] or name in ("", "."):
        return "bad_name"
    return None


def _read_manifest(report, archive, infos):
    info = infos.get(MANIFEST)
    if info is None:
        if MANIFEST not in archive.namelist():  # an unsafe one was named already
            report.add(MANIFEST, "integrity", "no_manifest")
        return None
    try:
        manifest = json.loads(_read_small(archive, info))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
            raise ValueError("no list of files")
    except (ValueError, UnicodeDecodeError) as error:
        report.add(MANIFEST, "integrity", "bad_manifest", error=_error(error))
        return None
    clearing = manifest.get("clearing") if isinstance(manifest.get("clearing"), dict) else {}
    report.clearing = str(clearing.get("name") or "")
    if manifest.get("format") != FORMAT:
        report.add(
            MANIFEST, "usability", "bad_format", value=manifest.get("format"), expected=FORMAT
        )
    return manifest


def _read_small(archive, info, limit=MAX_JSON_SIZE):
    if info.file_size > limit:
        raise ValueError(message("en", "too_large", size=info.file_size, limit=limit))
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise ValueError(message("en", "size_declared", size=info.file_size))
    return data


def _check_listing(report, manifest, infos):
    """{path: entry} of the manifest's valid entries; missing, unlisted and doubles reported."""
    listed = {}
    for index, entry in enumerate(manifest["files"], 1):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("path"), str)
            and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("size"), int)
        ):
            report.add(MANIFEST, "integrity", "bad_entry", index=index)
            continue
        path = entry["path"]
        if entry.get("role") not in ROLES:
            report.add(path, "integrity", "bad_role", value=entry.get("role"))
        if path in listed or path == MANIFEST:
            report.add(path, "integrity", "listed_twice")
            continue
        listed[path] = entry
        if _unsafe_name(path):
            continue  # named as unsafe if it is in the ZIP; never opened
        if path not in infos:
            report.add(path, "integrity", "missing")
    for name in infos:
        if name != MANIFEST and name not in listed:
            report.add(name, "integrity", "unlisted")
    return listed


def _check_file(report, archive, info, entry, data):
    """Size, SHA-256 and usability of one listed file; keeps the data files' content."""
    path = entry["path"]
    if info is None:
        return
    if info.file_size != entry["size"]:
        report.add(path, "integrity", "size_listed", actual=info.file_size, listed=entry["size"])
        return
    sha = hashlib.sha256()
    with tempfile.SpooledTemporaryFile(SPOOL_SIZE) as copy:
        try:
            with archive.open(info) as handle:
                size = 0
                while chunk := handle.read(READ_CHUNK):
                    size += len(chunk)
                    if size > info.file_size:
                        report.add(path, "safety", "size_declared", size=info.file_size)
                        return
                    sha.update(chunk)
                    copy.write(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
            report.add(path, "integrity", "unreadable", error=_error(error))
            return
        if sha.hexdigest() != entry["sha256"].lower():
            report.add(path, "integrity", "sha_listed")
        copy.seek(0)
        _check_usable(report, path, copy)
        if path in (CLEARING_DATA, FAPIAO_DATA, INVOICE_LINES_DATA):
            copy.seek(0)
            _read_data(report, path, copy, data)


def _check_usable(report, path, handle):
    """Does the file open as its kind (by its extension)?"""
    kind = os.path.splitext(path)[1].lower()
    if kind == ".pdf":
        if handle.read(5) != b"%PDF-":
            report.add(path, "usability", "pdf_header")
            return
        handle.seek(0, io.SEEK_END)
        handle.seek(max(handle.tell() - 1024, 0))
        if b"%%EOF" not in handle.read():
            report.add(path, "usability", "pdf_trailer")
    elif kind == ".xml":
        error = _xml_error(handle)
        if error == "entities":
            report.add(path, "usability", "xml_entities")
        elif error:
            report.add(path, "usability", "xml_invalid", error=error)
    elif kind in (".xlsx", ".ofd"):
        part = "xl/workbook.xml" if kind == ".xlsx" else "OFD.xml"
        try:
            with zipfile.ZipFile(handle) as inner:
                readable = part in inner.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            readable = False
        if not readable:
            report.add(path, "usability", "zip_part", kind=kind[1:].upper(), part=part)
    elif kind == ".json":
        try:
            json.loads(handle.read(MAX_JSON_SIZE))
        except (ValueError, UnicodeDecodeError) as error:
            report.add(path, "usability", "json_invalid", error=_error(error))


class _Refused(Exception):
    pass


def _xml_error(handle):
    """None when the XML parses; "entities" when it declares a DTD or entities; else the error."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args):
        raise _Refused

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        while chunk := handle.read(READ_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Refused:
        return "entities"
    except expat.ExpatError as error:
        return str(error)
    return None


def _read_data(report, path, handle, data):
    """Parse one data file into `data` (clearing dict, fapiao and invoice digests/counts)."""
    if path == CLEARING_DATA:
        try:
            clearing = json.loads(handle.read(MAX_JSON_SIZE))
            if not isinstance(clearing, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError):
            return  # said by the usability check
        data["clearing"] = clearing
        return
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="\n")
    try:
        if path == FAPIAO_DATA:
            digest, ended = FapiaoDigest(), False
            for line in text:
                digest.chunk([line.removesuffix("\n")])
                ended = line.endswith("\n")
            if ended:  # a newline at the end is one more (empty) line, as the file's bytes say
                digest.chunk([""])
            data["fapiao"] = digest
        else:
            digest = InvoiceLinesDigest()
            for number, line in enumerate(text, 1):
                match = re.fullmatch(r"(\d+) ([0-9a-f]{64})\n?", line)
                if not match:
                    report.add(path, "authenticity", "invoice_line", line=number)
                    return
                digest.chunk([(int(match[1]), bytes.fromhex(match[2]))])
            data["invoices"] = digest
    except UnicodeDecodeError:
        report.add(path, "usability", "text_invalid")
    finally:
        text.detach()


def _check_authenticity(report, manifest, data):
    """Recompute the clearing's hash from the package's data; compare with what it states."""
    clearing = data.get("clearing")
    if clearing is None or "fapiao" not in data:
        report.add(CLEARING_DATA, "authenticity", "data_missing")
        return
    try:
        version = int(clearing["hash_version"])
        stated = str(clearing["hash"])
        header, summary = dict(clearing["header"]), list(clearing["summary"])
        fapiao_digest, invoice_digest = clearing["fapiao_digest"], clearing.get("invoice_digest")
    except (KeyError, TypeError, ValueError) as error:
        report.add(CLEARING_DATA, "authenticity", "data_invalid", error=_error(error))
        return
    report.hash = stated
    if version not in HASH_VERSIONS:
        report.add(CLEARING_DATA, "authenticity", "version", version=version)
        return
    fapiao = data["fapiao"]
    if fapiao.hexdigest() != fapiao_digest:
        report.add(FAPIAO_DATA, "authenticity", "fapiao_digest")
    if clearing.get("fapiao_count") is not None and fapiao.count != clearing["fapiao_count"]:
        report.add(
            FAPIAO_DATA, "authenticity", "fapiao_count",
            actual=fapiao.count, listed=clearing["fapiao_count"],
        )  # fmt: skip
    invoices = None
    if version >= 2:
        if "invoices" not in data:
            report.add(INVOICE_LINES_DATA, "authenticity", "data_missing")
            return
        invoices = data["invoices"].hexdigest()
        if invoices != invoice_digest:
            report.add(INVOICE_LINES_DATA, "authenticity", "invoice_digest")
        listed = clearing.get("invoice_line_count")
        if listed is not None and data["invoices"].count != listed:
            report.add(
                INVOICE_LINES_DATA, "authenticity", "invoice_count",
                actual=data["invoices"].count, listed=listed,
            )  # fmt: skip
    try:
        computed = format_hash(
            version,
            clearing_hash(
                split_hash(clearing.get("previous_hash"))[1],
                header,
                summary,
                fapiao.hexdigest(),
                invoices,
            ),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError, InvalidOperation) as error:
        report.add(CLEARING_DATA, "authenticity", "data_invalid", error=_error(error))
        return
    if split_hash(computed) != split_hash(stated):
        report.add(CLEARING_DATA, "authenticity", "hash", computed=computed, stated=stated)
    head = manifest.get("clearing") if isinstance(manifest.get("clearing"), dict) else {}
    for key in ("hash", "previous_hash"):
        if split_hash(head.get(key)) != split_hash(clearing.get(key)):
            report.add(MANIFEST, "authenticity", "manifest_hash", key=key)
    if "name" in header and head.get("name") != header["name"]:
        report.add(MANIFEST, "authenticity", "manifest_name", manifest=head.get("name"),
                   data=header["name"])  # fmt: skip


def _check_previous(report, manifest, previous_path):
    """The chain link: this clearing's previous hash is the previous package's hash."""
    name = os.path.basename(str(previous_path))
    try:
        with zipfile.ZipFile(previous_path) as archive:
            previous = json.loads(_read_small(archive, archive.getinfo(MANIFEST)))
        previous_head = previous["clearing"]
        company = previous["company"]
    except Exception as error:  # any damage of the other package is a finding
        report.add(name, "authenticity", "previous_unreadable", error=_error(error))
        return
    head = manifest.get("clearing") if isinstance(manifest.get("clearing"), dict) else {}
    if split_hash(head.get("previous_hash")) != split_hash(previous_head.get("hash")):
        report.add(
            name, "authenticity", "previous_hash",
            previous=head.get("previous_hash"), hash=previous_head.get("hash"),
            name=previous_head.get("name"),
        )  # fmt: skip
    if company != manifest.get("company"):
        label = company.get("name") if isinstance(company, dict) else company
        report.add(name, "authenticity", "previous_company", company=label)


# ------------------------------------------------------------ command line
class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit status 1 like a failed check, never 2
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: {message}\n")


def main(argv=None):
    """The command line: print the report's lines; 0 when the package holds, 1 otherwise."""
    parser = _Parser(prog="archive_verify.py", description=__doc__.split("\n", 1)[0])
    parser.add_argument("package", help="the clearing's archive package (ZIP)")
    parser.add_argument("previous", nargs="?", help="the previous clearing's package")
    parser.add_argument("--lang", default="en", choices=LANGS)
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:
        return 0 if done.code == 0 else 1
    report = verify(args.package, args.previous, args.lang)
    if hasattr(sys.stdout, "reconfigure"):  # a console that cannot show Chinese still gets a line
        sys.stdout.reconfigure(errors="backslashreplace")
    sys.stdout.write("".join(f"{line}\n" for line in report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Archive packages made by hand for the tests of the download, access and verification."""

import hashlib
import io
import json
import zipfile


def package_bytes(files, listed=None):
    """A small package made by hand: `files` {path: bytes} and a manifest listing `listed`
    ({path: bytes as the manifest claims them}, default the files themselves)."""
    listed = files if listed is None else listed
    manifest = {
        "format": "invoice_clearing.archive/1",
        "files": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
             "role": "summary"}
            for path, data in sorted(listed.items())
        ],
    }  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr("manifest.json", json.dumps(manifest, sort_keys=True, indent=1))
    return buffer.getvalue()


def attach_package(clearing, content):
    """Attach `content` as the clearing's package, as the package writer does.

    The link is written in SQL: the writer's own (guarded) write is not what these tests are
    about, and a cleared clearing refuses other writers.
    """
    attachment = (
        clearing.env["ir.attachment"]
        .sudo()
        .create(
            {
                "name": f"{clearing.name.replace('/', '-')}-archive.zip",
                "raw": content,
                "res_model": clearing._name,
                "res_id": clearing.id,
                "mimetype": "application/zip",
            }
        )
    )
    clearing.env.cr.execute(
        "UPDATE invoice_clearing SET archive_attachment_id = %s WHERE id = %s",
        (attachment.id, clearing.id),
    )
    clearing.invalidate_recordset(["archive_attachment_id"])
    return attachment

"""Refresh the vendored autoconsent build from the npm registry (a maintainer's tool).

    python -m pixelhelper.consent.refresh 16.23.0
    python -m pixelhelper.consent.refresh 16.23.0 --tarball autoconsent-16.23.0.tgz

It reads the release's metadata from the registry, downloads its tarball (or takes the one
given), checks the tarball against the registry's `dist.integrity` (SHA-512, Subresource
Integrity format) and only then copies the Playwright build, its rules and the licence into
`pixelhelper/consent/vendor/`, writing their SHA-256 into `autoconsent.json`. pixelhelper never
runs this at run time: the vendored files are package data, checked against that manifest
(`bundle.verify`).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

from pixelhelper.consent.bundle import MANIFEST, PACKAGE, VENDOR, VENDORED

REGISTRY = "https://registry.npmjs.org"
MAX_TARBALL = 64 * 1024 * 1024


class RefreshError(Exception):
    """The release could not be fetched or did not verify."""


def integrity_of(data: bytes) -> str:
    """`sha512-<base64>`: the registry's `dist.integrity` of a tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def extract(tarball: bytes, integrity: str) -> dict[str, bytes]:
    """The vendored files out of a verified tarball: {vendored name: bytes}.

    Raises:
        RefreshError: the tarball does not match `integrity`, or lacks a file.
    """
    if not integrity.startswith("sha512-") or integrity_of(tarball) != integrity:
        raise RefreshError(f"tarball integrity mismatch: registry says {integrity[:30]}...")
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for name, member_name in VENDORED.items():
            try:
                member = archive.getmember(member_name)
            except KeyError:
                raise RefreshError(f"the release has no {member_name}") from None
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is None:
                raise RefreshError(f"{member_name} is not a regular file")
            found[name] = handle.read()
    return found


def write(version: str, metadata: dict[str, Any], files: dict[str, bytes]) -> None:
    """Write the files and the manifest that pins them."""
    for name, data in files.items():
        (VENDOR / name).write_bytes(data)
    manifest = {
        "package": PACKAGE,
        "version": version,
        "license": metadata.get("license"),
        "tarball": metadata["dist"]["tarball"],
        "integrity": metadata["dist"]["integrity"],
        "files": {
            name: {"from": VENDORED[name], "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in files.items()
        },
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _fetch(url: str, limit: int) -> bytes:
    if not url.startswith("https://"):
        raise RefreshError(f"refusing a non-HTTPS address: {url}")
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310  (https only)
        data: bytes = response.read(limit + 1)
    if len(data) > limit:
        raise RefreshError(f"{url} is larger than {limit} bytes")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pixelhelper.consent.refresh")
    parser.add_argument("version", help="the autoconsent release to vendor, e.g. 16.23.0")
    parser.add_argument("--tarball", help="a tarball already downloaded (still verified)")
    args = parser.parse_args(argv)
    try:
        raw = _fetch(f"{REGISTRY}/{PACKAGE}/{args.version}", 4 * 1024 * 1024)
        metadata = json.loads(raw)
        dist = metadata["dist"]
        tarball = (
            Path(args.tarball).read_bytes()
            if args.tarball
            else _fetch(dist["tarball"], MAX_TARBALL)
        )
        write(args.version, metadata, extract(tarball, dist["integrity"]))
    except (RefreshError, OSError, KeyError, ValueError, tarfile.TarError) as exc:
        print(f"refresh: {exc}", file=sys.stderr)
        return 1
    print(f"vendored {PACKAGE} {args.version} into {VENDOR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

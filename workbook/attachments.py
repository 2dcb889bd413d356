"""Files attached to workbook entries: checked by what they contain, stored privately.

A file is accepted only when its bytes are a PDF, a Word document (DOCX), a PNG or a JPEG.
The name and the browser's content type are the uploader's claims, so they are never trusted:
the name is only shown back to people (cleaned), and the file on disk gets a random name
under ``settings.PRIVATE_STORAGE_ROOT``, outside anything the web server serves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from safeguarding.lib.services import service
from teams.models import User

from .models import Attachment, Entry
from .policies import is_entry_author

logger = logging.getLogger(__name__)

ORIGINAL_NAME_MAX_CHARACTERS = 150
FALLBACK_NAME = "attachment"
# The longest magic number we compare (PNG's eight bytes).
HEADER_BYTES = 8
# A DOCX with macros is a DOCM: Word refuses to open it under a .docx name, so we do too.
DOCX_REQUIRED_PARTS = frozenset({"[Content_Types].xml", "word/document.xml"})
DOCX_FORBIDDEN_PARTS = frozenset({"word/vbaProject.bin"})

MESSAGE_EMPTY = "The selected file is empty"
MESSAGE_WRONG_TYPE = "The selected file must be a PDF, Word document (DOCX), PNG or JPEG"
MESSAGE_NOT_AUTHOR = "Only the person who wrote this entry can attach files to it"
MESSAGE_NOT_EDITABLE = "Files can only be attached to a draft or returned entry"

# A stored name is always ours: 48 hex characters and one of our extensions. Checked again
# before a path is built, so a tampered row cannot point outside the private folder.
STORED_NAME_PATTERN = re.compile(r"^[0-9a-f]{48}\.(pdf|png|jpg|docx)$")
# What counts as a file name's extension: letters first, so "Minutes 12.03.2025" has none.
EXTENSION_PATTERN = re.compile(r"\.([A-Za-z][A-Za-z0-9]{0,9})$")
# Control, format (including right-to-left overrides that disguise "exe.pdf") and line
# separator characters: none belongs in a file name shown on a page.
STRIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


@dataclass(frozen=True)
class FileKind:
    description: str
    content_type: str
    extension: str
    accepted_extensions: frozenset[str]


PDF = FileKind("a PDF", "application/pdf", ".pdf", frozenset({".pdf"}))
PNG = FileKind("a PNG image", "image/png", ".png", frozenset({".png"}))
JPEG = FileKind("a JPEG image", "image/jpeg", ".jpg", frozenset({".jpg", ".jpeg"}))
DOCX = FileKind(
    "a Word document (DOCX)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
    frozenset({".docx"}),
)

MAGIC_NUMBERS: tuple[tuple[bytes, FileKind], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)
ZIP_MAGIC = b"PK\x03\x04"


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _too_big_message() -> str:
    megabytes = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    return f"The selected file must be smaller than {megabytes} MB"


def _is_docx(upload: UploadedFile) -> bool:
    """A ZIP holding a Word document's parts. Only the central directory is read, never
    decompressed, so a zip bomb costs nothing here."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return False
    finally:
        upload.seek(0)
    return names >= DOCX_REQUIRED_PARTS and not (DOCX_FORBIDDEN_PARTS & names)


def detect_kind(upload: UploadedFile) -> FileKind | None:
    """What the file's bytes say it is, or None when it is none of the kinds we accept."""
    upload.seek(0)
    header = upload.read(HEADER_BYTES)
    upload.seek(0)
    for magic, kind in MAGIC_NUMBERS:
        if header.startswith(magic):
            return kind
    if header.startswith(ZIP_MAGIC) and _is_docx(upload):
        return DOCX
    return None


def clean_original_name(name: str | None) -> str:
    """The uploader's file name, safe to show and to offer as a download name."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in STRIPPED_CATEGORIES)
    while ".." in base:
        base = base.replace("..", ".")
    base = base.strip().strip(".").strip()
    if len(base) > ORIGINAL_NAME_MAX_CHARACTERS:
        match = EXTENSION_PATTERN.search(base)
        extension = match.group(0) if match else ""
        base = base[: ORIGINAL_NAME_MAX_CHARACTERS - len(extension)].rstrip() + extension
    return base or FALLBACK_NAME


def _name_for_kind(name: str, kind: FileKind) -> str:
    """The cleaned name, refused if its extension claims another type. A name without an
    extension gets the right one, so the downloaded copy opens in the right program."""
    match = EXTENSION_PATTERN.search(name)
    if match is None:
        stem = name[: ORIGINAL_NAME_MAX_CHARACTERS - len(kind.extension)]
        return stem + kind.extension
    claimed = match.group(0).lower()
    if claimed not in kind.accepted_extensions:
        raise _file_error(
            f"The file name says {claimed} but the file is {kind.description}. "
            "Rename it or choose the right file"
        )
    return name


def _ensure_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents readable by this process's user only."""
    if path.is_dir():
        return
    _ensure_private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
        path.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened; be explicit


def attachment_path(attachment: Attachment) -> Path:
    """Where the attachment's bytes live. Files are spread over 256 folders by the first two
    characters of their random name, so no folder grows without bound."""
    stored_name = attachment.stored_name
    if not STORED_NAME_PATTERN.fullmatch(stored_name):
        raise ValueError(f"Attachment {attachment.pk} has an invalid stored name")
    return Path(settings.PRIVATE_STORAGE_ROOT) / stored_name[:2] / stored_name


def _store(upload: UploadedFile, stored_name: str) -> int:
    """Write the upload to its final place atomically (temp file, then rename) and return
    the number of bytes written. Nothing is left behind if anything fails."""
    folder = Path(settings.PRIVATE_STORAGE_ROOT) / stored_name[:2]
    _ensure_private_dir(folder)
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    written = 0
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            upload.seek(0)
            for chunk in upload.chunks():
                written += len(chunk)
                # The size the upload reports is checked before; this guards the real bytes.
                if written > settings.ATTACHMENT_MAX_BYTES:
                    raise _file_error(_too_big_message())
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if written == 0:
            raise _file_error(MESSAGE_EMPTY)
        os.replace(temp_name, folder / stored_name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    return written


@service
def attachment_add(*, actor: User, entry: Entry, upload: UploadedFile) -> Attachment:
    """Attach a file to a draft or returned entry the actor wrote. The entry's answers are
    never touched, so a refused file never costs the author their text."""
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if not is_entry_author(actor, entry):
        raise ValidationError(MESSAGE_NOT_AUTHOR)
    if not entry.is_editable:
        raise ValidationError(MESSAGE_NOT_EDITABLE)

    if not upload.size:
        raise _file_error(MESSAGE_EMPTY)
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise _file_error(_too_big_message())
    kind = detect_kind(upload)
    if kind is None:
        raise _file_error(MESSAGE_WRONG_TYPE)
    original_name = _name_for_kind(clean_original_name(upload.name), kind)

    stored_name = secrets.token_hex(24) + kind.extension
    size = _store(upload, stored_name)
    try:
        attachment = Attachment.objects.create(
            entry=entry,
            original_name=original_name,
            stored_name=stored_name,
            content_type=kind.content_type,
            size=size,
            uploaded_by=actor,
        )
    except BaseException:
        # If the transaction rolls back later (an outer atomic block) the file stays as an
        # orphan with no row; it is never reachable, since downloads start from the row.
        with contextlib.suppress(FileNotFoundError):
            (Path(settings.PRIVATE_STORAGE_ROOT) / stored_name[:2] / stored_name).unlink()
        raise
    logger.info("Attachment %s added to entry %s", attachment.pk, entry.pk)
    return attachment

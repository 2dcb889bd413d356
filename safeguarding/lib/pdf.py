"""PDFs with WeasyPrint: tagged (accessible), titled, and never fetching anything.

Case records may contain URLs pasted by workers or partners; rendering must not make a request
to them (it would leak that a record was opened, and could reach internal services). The
deny-all fetcher refuses every URL, including ``file:`` and ``data:``; stylesheets are passed
as strings instead.
"""

from __future__ import annotations

from typing import Any

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

PDF_CSS = """
@page { size: A4; margin: 20mm 18mm 22mm;
  @bottom-left { content: string(doc-title); font-size: 8pt; color: #505a5f; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #505a5f; } }
html { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #0b0c0c; line-height: 1.4; }
h1 { font-size: 16pt; margin: 0 0 4mm; string-set: doc-title content(); }
h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #b1b4b6; }
h3 { font-size: 10.5pt; margin: 4mm 0 1mm; }
.caption { color: #505a5f; font-size: 9pt; margin: 0 0 4mm; }
.marking { font-weight: bold; text-transform: uppercase; font-size: 8pt; letter-spacing: 0.05em; }
dl { margin: 0; } dt { font-weight: bold; margin-top: 2mm; } dd { margin: 0 0 1mm; white-space: pre-wrap; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #b1b4b6; padding: 1.5mm 2mm 1.5mm 0; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
"""


class DenyAllURLFetcher(URLFetcher):
    """Refuses every URL. ``refused`` lists what a document tried to load, for tests and logs."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=[])
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        self.refused.append(url)
        raise ValueError("External resources are not loaded in case record PDFs")


def render_pdf(html: str, *, fetcher: DenyAllURLFetcher | None = None) -> bytes:
    """Render ``html`` (a complete document with <title> and lang) to a tagged PDF."""
    fetcher = fetcher or DenyAllURLFetcher()
    document = HTML(string=html, url_fetcher=fetcher, base_url="about:blank")
    pdf = document.write_pdf(stylesheets=[CSS(string=PDF_CSS, url_fetcher=fetcher)], pdf_tags=True)
    assert pdf is not None
    return pdf

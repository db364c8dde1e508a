"""Derivatives for reading attachments on the site: thumbnails, web-sized images, a PDF's first page.

Every derivative is made from the cleaned copy (``archive.public.media.clean``), never from the original,
so nothing an original carries can reach it; and each is deterministic (same cleaned bytes, same output),
so rebuilds stay byte-identical and incremental builds can skip what did not change.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archive.public.media import Cleaned, encode_image

if TYPE_CHECKING:
    from PIL import Image

THUMBNAIL_PIXELS = 400  # the longest side of a gallery thumbnail
WEB_PIXELS = 1600  # the longest side of the image shown on a record page
PREVIEW_SCALE = 1.0  # a PDF's first page rendered at 72 dpi before it is fitted to the thumbnail


@dataclass(frozen=True)
class Derivative:
    role: str  # "thumbnail", "web" or "preview"
    data: bytes
    mime: str
    extension: str
    width: int
    height: int


def image_derivatives(cleaned: Cleaned) -> list[Derivative]:
    """A thumbnail and, for large pictures, a web-sized copy of a cleaned image."""
    from PIL import Image

    with Image.open(io.BytesIO(cleaned.data)) as image:
        image.load()
        made = [_fitted("thumbnail", image, THUMBNAIL_PIXELS)]
        if max(image.size) > WEB_PIXELS:
            made.append(_fitted("web", image, WEB_PIXELS))
    return made


def pdf_preview(cleaned: Cleaned) -> Derivative:
    """The first page of a cleaned PDF as a thumbnail image."""
    import pypdfium2  # type: ignore[import-untyped]

    document = pypdfium2.PdfDocument(cleaned.data)
    try:
        page = document[0]
        bitmap = page.render(scale=max(PREVIEW_SCALE, THUMBNAIL_PIXELS / max(page.get_size())))
        image = bitmap.to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    return _fitted("preview", image, THUMBNAIL_PIXELS)


def _fitted(role: str, image: Image.Image, longest: int) -> Derivative:
    from PIL import Image

    copy = image.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    encoded = encode_image(copy, keep_alpha=copy.mode == "RGBA")
    return Derivative(role, encoded.data, encoded.mime, encoded.extension, copy.width, copy.height)

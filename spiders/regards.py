"""regards.fr: a French political monthly on SPIP, with a forum under each article."""

from __future__ import annotations

from typing import ClassVar

from archiver.platforms.spip import SpipPlatform


class RegardsSpider(SpipPlatform):
    name = "regards"
    default_urls: ClassVar[list[str]] = ["https://www.regards.fr/"]

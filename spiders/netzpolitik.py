"""netzpolitik.org: German tech-policy news on WordPress, with long reader threads.

A site on a platform is this small: the WordPress platform finds the posts (home
pagination, sitemap, feed) and reads every comment page on the shared thread engine.
Its comments are "Ergänzungen"; the count in a post's byline includes comments that
are not on its page (held for moderation, then removed), so a short thread is
reported by the completeness check, not guessed away.
"""

from __future__ import annotations

from typing import ClassVar

from archiver.platforms.wordpress import WordpressPlatform


class NetzpolitikSpider(WordpressPlatform):
    name = "netzpolitik"
    default_urls: ClassVar[list[str]] = ["https://netzpolitik.org/"]

"""When two URLs name the same page: one identity key, Wayback captures unwrapped.

Permalinks reach us spelled many ways: percent-encoded in upper or lower case, as an
IRI with raw non-ASCII letters (RFC 3987), over http or https, with a default port, a
capitalised host or a trailing dot, and inside Wayback Machine captures
(`https://web.archive.org/web/20130307194448/http://site/post`). Compare
`page_key(url)` values, never raw strings.

What is compared (`page_key`), an absolute URL that is not meant to be fetched:
- the Wayback capture unwrapped to the archived URL (nested captures too);
- IRI to URI (RFC 3987 §3.1): UTF-8 percent-encoding, IDNA (punycode) host;
- RFC 3986 §6.2.2: scheme and host lowercase, percent-encoding hex uppercase, escapes
  of unreserved characters decoded, dot segments resolved (w3lib's `canonicalize_url`
  does the path; it also decodes escaped sub-delimiters there, as Scrapy's request
  fingerprints do, but keeps %2F, %3F, %3B and %25, and drops an empty `;` ending
  the last segment);
- http and https are one page (written `https://`), a port that is its scheme's
  default dropped, the host's trailing dot dropped;
- the fragment dropped: `#comment-12` is a place in the page, not another page;
- the query kept in its order (on some sites the order matters) and its escapes
  normalized only for unreserved characters (an escaped `&` or `=` is data); an empty
  `?` dropped;
- trailing slashes dropped: `/a` and `/a/` are one page, because WordPress redirects
  one to the other (and so do most CMSs); `/` stays `/`;
- `www.` kept: `www.site` and `site` are different hosts unless `merge_www=True`.

What is stored (`display_url`): the URL as found, Wayback unwrapped, made readable
(non-ASCII letters and the Unicode host shown as such); scheme, `www.`, trailing
slash and fragment are kept, so a stored comment permalink still points at its
comment. `safe_url_string(display_url(u))` fetches what `u` fetched; its page_key is
the page_key of `u`.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

WEB_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

# web.archive.org/web/<timestamp><modifier>/<original>: the timestamp may be partial or
# starred (calendar pages: 2019*, *), the modifier is two letters and "_" (id_, im_,
# js_, cs_, if_, fw_...). Wayback also takes /web/<original> with no timestamp.
_WAYBACK = re.compile(
    r"(?:(?:https?:)?//)?(?:web\.|wayback\.|web-beta\.)?archive\.org(?::\d+)?/web/"
    r"(?:(?P<stamp>\d{1,14}\*?|\*)(?:[a-z]{2}_)?/)?(?P<original>.*)",
    re.IGNORECASE | re.DOTALL,
)
# What an archived URL starts with when Wayback wrote it without its "//" or scheme.
_SCHEME_SLASHES = re.compile(r"(https?):/*", re.IGNORECASE)
_ENCODED_HEAD = re.compile(r"%3A|%2F", re.IGNORECASE)
_BARE_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)*\.?(?::\d+)?(?:[/?#]|$)")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_ESCAPE_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# Characters an IRI must keep escaped (RFC 3987 §4.1 bidi formatting; other controls
# and spaces are caught by isprintable()).
_BIDI_FORMATTING = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# The whitespace an HTML attribute value may carry around a URL, and the tabs and
# newlines the URL standard removes from inside one.
_HTML_SPACE = " \t\n\f\r"
_INNER_BREAKS = str.maketrans("", "", "\t\n\r")
_MAX_NESTING = 8


def original_url(url: str) -> str:
    """The archived URL of a Wayback Machine capture (nested ones too), else `url` stripped.

    A capture's original may have lost its scheme or one of its slashes, or be
    percent-encoded whole; it comes back as an absolute URL (http when Wayback did
    not say). A capture naming no original (`/web/2013/`) is returned as it is.
    """
    url = url.strip(_HTML_SPACE)
    for _ in range(_MAX_NESTING):
        found = _WAYBACK.fullmatch(url)
        if found is None:
            return url
        original = _archived(found["original"], timestamped=found["stamp"] is not None)
        if original is None:
            return url
        url = original
    return url


def wayback_capture(url: str) -> tuple[str, str | None]:
    """The archived URL of a Wayback Machine capture and when it was captured (UTC ISO,
    from its timestamp, padded as Wayback pads a partial one); else `url` and None."""
    found = _WAYBACK.fullmatch(url.strip(_HTML_SPACE))
    stamp = (found["stamp"] or "").rstrip("*") if found else ""
    original = original_url(url)
    if original == url.strip(_HTML_SPACE) or len(stamp) < 4:
        return original, None
    digits = (stamp + "0101000000"[len(stamp) - 4 :])[:14] if len(stamp) < 14 else stamp
    moment = (
        f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}T{digits[8:10]}:{digits[10:12]}:{digits[12:14]}Z"
    )
    return original, moment


def _archived(original: str, *, timestamped: bool) -> str | None:
    """The URL a capture's path names, made absolute; None when it names none."""
    original = original.strip(_HTML_SPACE)
    if _ENCODED_HEAD.search(original.split("/", 1)[0]):  # "http%3A%2F%2Fsite%2Fa" and the like
        original = unquote(original)
    scheme = _SCHEME_SLASHES.match(original)
    if scheme:
        rest = original[scheme.end() :]
        return f"{scheme[1].lower()}://{rest}" if rest else None
    if original.startswith("//"):
        return "http:" + original if len(original) > 2 else None
    if _BARE_HOST.match(original) and (timestamped or "." in original.split("/", 1)[0]):
        return "http://" + original
    return None


def page_key(url: str, *, merge_www: bool = False) -> str:
    """The identity of the page a URL names: equal keys, same page (see the module doc).

    Idempotent and never raises: what w3lib cannot parse (a broken IPv6 host, a port
    out of range) is its own key, stripped; a relative reference is keyed as one.
    """
    url = original_url(url)
    try:
        return _page_key(url, merge_www)
    except (ValueError, UnicodeError):
        return url


def _page_key(url: str, merge_www: bool) -> str:
    if url.startswith("//"):
        url = "http:" + url
    scheme, netloc, path, query, _ = urlsplit(safe_url_string(url))
    web = scheme in WEB_SCHEMES
    for _ in range(_MAX_NESTING):  # until stable: a stripped "/" can bare a ";" w3lib drops
        head = urlsplit(canonicalize_url(urlunsplit((scheme, netloc, path, "", ""))))
        stable = _normal_escapes(head.path)  # w3lib leaves a last segment's ";params" as is
        stable = stable.rstrip("/") or "/" if web else stable
        if stable == path:
            break
        path = stable
    netloc = _host_port(head, merge_www) if head.netloc else ""
    return urlunsplit(("https" if web else head.scheme, netloc, path, _normal_escapes(query), ""))


def _host_port(parts: SplitResult, merge_www: bool) -> str:
    """userinfo@host:port with the trailing dot, a default port and maybe "www." gone."""
    userinfo, at, hostport = parts.netloc.rpartition("@")
    host = parts.hostname or ""
    if hostport.startswith("["):
        host = hostport[: hostport.index("]") + 1]
    host = host.rstrip(".") or host
    if merge_www:
        host = host.removeprefix("www.") or host
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return f"{userinfo}{at}{host}"


def _normal_escapes(text: str) -> str:
    """RFC 3986 §6.2.2.1-2: escapes of unreserved characters decoded, others uppercase."""

    def normal(escape: re.Match[str]) -> str:
        char = chr(int(escape[1], 16))
        return char if char in _UNRESERVED else escape[0].upper()

    return _ESCAPE.sub(normal, text)


def same_page(a: str, b: str, *, merge_www: bool = False) -> bool:
    """Whether two URLs name one page (their page_keys are equal)."""
    return page_key(a, merge_www=merge_www) == page_key(b, merge_www=merge_www)


def absolute(base: str, href: str | None) -> str | None:
    """A link found in a page, joined against the page's URL, as a fetchable http(s) URI.

    Wayback captures are unwrapped: absolute ones, and the `/web/<ts>/...` form joined
    against a capture's URL. On a capture, a document-relative href ("c.html", "../c",
    "?p=2", "#x") is joined against the archived URL, as the live page would have
    joined it (Wayback rewrites such links, but not those that scripts add); a
    root-relative one ("/_static/...") stays on the archive, which is where it points.
    The fragment is kept (a comment permalink's target). None for javascript:,
    mailto:, data: and every other non-web scheme, for a relative href without a
    web base, and for what cannot be parsed. Never raises.
    """
    if not isinstance(href, str) or not isinstance(base, str):
        return None
    href = href.strip(_HTML_SPACE).translate(_INNER_BREAKS)
    base = base.strip(_HTML_SPACE).translate(_INNER_BREAKS)
    scheme = _SCHEME.match(href)
    if scheme and scheme[1].lower() not in WEB_SCHEMES:
        return None
    try:
        if scheme and not urlsplit(href).netloc:
            return None  # "http:path", "https:///path": no host of their own
        if not scheme and not href.startswith("/"):
            base = original_url(base)
        joined = original_url(urljoin(base, href))
        parts = urlsplit(joined)
        if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
            return None
        return safe_url_string(joined if parts.path else urlunsplit(parts._replace(path="/")))
    except (ValueError, UnicodeError):
        return None


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host: what a request can fetch."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)
    except ValueError:
        return False


def display_url(url: str) -> str:
    """The URL to store and show: Wayback unwrapped, as a readable IRI (RFC 3987 §3.2).

    Escaped UTF-8 letters are shown as letters and a punycode host in Unicode; escaped
    ASCII, invalid UTF-8 and invisible characters stay escaped, so nothing changes
    meaning. Never raises: what cannot be read is returned unwrapped.
    """
    url = original_url(url)
    try:
        scheme, netloc, path, query, fragment = urlsplit(safe_url_string(url))
        netloc = _unicode_host(netloc)
    except (ValueError, UnicodeError):
        return url
    readable = (_iri_text(part) for part in (path, query, fragment))
    return urlunsplit((scheme, netloc, *readable))


def _unicode_host(netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if "xn--" not in hostport.lower():
        return netloc
    host, colon, port = hostport.rpartition(":") if not hostport.endswith("]") else ("", "", "")
    if not colon or not port.isdigit():
        host, colon, port = hostport, "", ""
    try:
        host = host.encode("ascii").decode("idna")
    except UnicodeError:
        return netloc
    return f"{userinfo}{at}{host}{colon}{port}"


def _iri_text(text: str) -> str:
    """Runs of escapes that spell printable non-ASCII UTF-8 letters, decoded."""

    def readable(run: re.Match[str]) -> str:
        escapes = run[0]
        decoded = bytes.fromhex(escapes.replace("%", "")).decode("utf-8", "surrogateescape")
        out = []
        for char in decoded:
            if ord(char) < 0x80 or "\udc80" <= char <= "\udcff":
                byte = ord(char) if ord(char) < 0x80 else ord(char) - 0xDC00
                out.append(f"%{byte:02X}")
            elif char.isprintable() and char not in _BIDI_FORMATTING:
                out.append(char)
            else:
                out.append("".join(f"%{b:02X}" for b in char.encode()))
        return "".join(out)

    return _ESCAPE_RUN.sub(readable, text)


__all__ = [
    "WEB_SCHEMES",
    "absolute",
    "display_url",
    "is_web_url",
    "original_url",
    "page_key",
    "same_page",
]

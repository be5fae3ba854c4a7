"""Page identity of URLs: every spelling of one page has one key, different pages do not.

Property tests build a page's URL from parts, spell it the ways the web does (escapes
in either case, unreserved characters escaped, IRI or URI, http or https, default
port, host case and trailing dot, trailing slash, fragment, empty "?", wrapped in a
Wayback capture) and check that the key never moves; then real URLs from the corpus
and the links of real Wayback captures.
"""

from __future__ import annotations

import csv
import re
import string
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from parsel import Selector

from archiver.extract.urls import absolute, display_url, original_url, page_key, same_page

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

UNRESERVED = string.ascii_letters + string.digits + "-._~"
SUB_DELIMS = "!$&'()*+,;=:@"
NON_ASCII = "éèüßçñøåœЖжщ中文ひら한국😀"
ARCHIVE_HOSTS = {"web.archive.org", "archive.org", "wayback.archive.org"}

segments = st.lists(
    st.text(UNRESERVED + SUB_DELIMS + NON_ASCII, min_size=1, max_size=10).filter(
        lambda s: s not in {".", ".."}
    ),
    max_size=4,
)
labels = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)
idn_labels = st.sampled_from(["bücher", "müller", "café", "中文", "пример"])
hosts = st.builds(
    lambda parts, tld: ".".join([*parts, tld]),
    st.lists(labels | idn_labels, min_size=1, max_size=3),
    st.sampled_from(["de", "com", "fr", "org"]),
)
query_pairs = st.lists(
    st.tuples(
        st.text(UNRESERVED + NON_ASCII, min_size=1, max_size=6),
        st.text(UNRESERVED + NON_ASCII + "/:@!$'()*,;", max_size=6),
    ),
    max_size=3,
)
timestamps = st.one_of(
    st.integers(0, 10**14 - 1).map(lambda n: f"{n:014d}"),
    st.integers(1, 14).flatmap(lambda n: st.text(string.digits, min_size=n, max_size=n)),
    st.text(string.digits, min_size=1, max_size=14).map(lambda t: t + "*"),
    st.just("*"),
)
modifiers = st.sampled_from(["", "id_", "im_", "js_", "cs_", "if_", "fw_", "oe_"])


def iri(host: str, path: list[str], query: list[tuple[str, str]]) -> str:
    """The page's URL as a reader writes it: raw letters, no escapes."""
    url = f"https://{host}/" + "/".join(path)
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")


@st.composite
def escaped(draw: st.DrawFn, text: str) -> str:
    """`text` with unreserved and non-ASCII characters escaped or not, hex in any case."""
    out = []
    for char in text:
        if (char in UNRESERVED or ord(char) > 127) and draw(st.booleans()):
            hexes = "".join(f"%{b:02X}" for b in char.encode())
            out.append(hexes.lower() if draw(st.booleans()) else hexes)
        else:
            out.append(char)
    return "".join(out)


@st.composite
def spelled(draw: st.DrawFn, host: str, path: list[str], query: list[tuple[str, str]]) -> str:
    """One of the many ways a link can spell the page `iri(host, path, query)`."""
    scheme = draw(st.sampled_from(["http", "https"]))
    if draw(st.booleans()):
        host = host.encode("idna").decode()
    host = "".join(c.upper() if draw(st.booleans()) else c for c in host)
    host += "." if draw(st.booleans()) else ""
    host += draw(st.sampled_from(["", {"http": ":80", "https": ":443"}[scheme]]))
    url = f"{scheme}://{host}/" + "/".join(draw(escaped(s)) for s in path)
    url += "/" if path and draw(st.booleans()) else ""
    pairs = [f"{draw(escaped(k))}={draw(escaped(v))}" for k, v in query]
    url += ("?" + "&".join(pairs)) if pairs else draw(st.sampled_from(["", "?"]))
    url += draw(st.sampled_from(["", "#", "#comment-12", "#respond", "#é"]))
    return url


@st.composite
def wayback(draw: st.DrawFn, url: str) -> str:
    """`url` as a Wayback Machine capture, in one of the forms links and logs carry."""
    if url.startswith("http://"):
        url = draw(st.sampled_from([url, url[len("http://") :], "http:/" + url[len("http://") :]]))
    if draw(st.booleans()):
        url = quote(url, safe="")
    prefix = draw(st.sampled_from(["https://", "http://", "//", ""]))
    return f"{prefix}web.archive.org/web/{draw(timestamps)}{draw(modifiers)}/{url}"


pages = st.tuples(hosts, segments, query_pairs)


@PROPERTY
@given(pages, st.data())
def test_every_spelling_of_a_page_has_its_key(page, data):
    key = page_key(iri(*page))
    url = data.draw(spelled(*page))
    assert page_key(url) == key, url
    wrapped = data.draw(wayback(url))
    assert page_key(wrapped) == key, wrapped
    assert page_key(data.draw(wayback(wrapped))) == key  # a capture of a capture
    assert page_key(display_url(wrapped)) == key


@PROPERTY
@given(pages, st.data())
def test_page_key_is_idempotent(page, data):
    key = page_key(data.draw(spelled(*page)))
    assert page_key(key) == key
    assert page_key(display_url(key)) == key


@PROPERTY
@given(st.text())
def test_page_key_is_idempotent_on_any_text(text):
    key = page_key(text)
    assert page_key(key) == key


def path_identity(path: list[str]) -> str:
    """The path as a page's identity: w3lib drops an empty ";params" ("/a;" is "/a")."""
    last = path[-1] if path else ""
    if last.find(";") == len(last) - 1:
        path = [*path[:-1], last[:-1]]
    return "/".join(path).rstrip("/")


@PROPERTY
@given(hosts, segments, segments, st.data())
def test_different_paths_stay_different(host, one, other, data):
    assume(path_identity(one) != path_identity(other))
    a = data.draw(spelled(host, one, []))
    b = data.draw(spelled(host, other, []))
    assert not same_page(a, b), (a, b)


@PROPERTY
@given(hosts, segments, query_pairs, query_pairs)
def test_different_queries_stay_different(host, path, one, other):
    assume([f"{k}={v}" for k, v in one] != [f"{k}={v}" for k, v in other])
    assert not same_page(iri(host, path, one), iri(host, path, other))


def check_never_raises(a: str, b: str) -> None:
    assert isinstance(original_url(a), str)
    assert isinstance(page_key(a), str)
    assert isinstance(display_url(a), str)
    assert isinstance(same_page(a, b), bool)
    joined = absolute(a, b)
    assert joined is None or urlsplit(joined).scheme in {"http", "https"}


@PROPERTY
@given(st.text(), st.text())
def test_nothing_raises_on_any_text(a, b):
    check_never_raises(a, b)


URLISH = st.text("htps:/%?#[]@!&=.;~-_aé中 \t\n\\0123456789", max_size=40)


@PROPERTY
@given(URLISH, URLISH)
def test_nothing_raises_on_url_shaped_text(a, b):
    check_never_raises(a, b)
    key = page_key(a)
    assert page_key(key) == key


relative_hrefs = st.lists(
    st.sampled_from(["..", ".", "c.html", "d", "é", "%C3%A9", "x y"]), min_size=1, max_size=4
).map("/".join) | st.sampled_from(["", "?p=2", "#comment-3", "?replytocom=9#respond"])


@PROPERTY
@given(pages, relative_hrefs, st.data())
def test_links_in_a_capture_join_as_in_the_live_page(page, href, data):
    live = iri(*page)
    capture = data.draw(wayback(live))
    if not capture.startswith(("http://", "https://")):
        capture = "https://" + capture.lstrip("/")
    in_capture = absolute(capture, href)
    assert in_capture is not None and same_page(in_capture, absolute(live, href))
    assert urlsplit(in_capture).hostname not in ARCHIVE_HOSTS


@PROPERTY
@given(pages, st.data())
def test_absolute_links_join_to_themselves(page, data):
    url = data.draw(spelled(*page))
    link = data.draw(st.sampled_from([url, data.draw(wayback(url))]))
    base = data.draw(st.sampled_from(["https://other.example/a/b", "http://x.org", ""]))
    if link.startswith("web.archive.org"):
        link = "https://" + link
    joined = absolute(base, link)
    assert joined is not None and same_page(joined, url)
    assert unquote(urlsplit(joined).fragment) == unquote(urlsplit(original_url(url)).fragment)


# --- examples -----------------------------------------------------------------


def test_the_brief_examples_are_one_page():
    spellings = [
        "https://site/article-%C3%A9t%C3%A9/",
        "https://site/article-%c3%a9t%c3%a9/",
        "https://site/article-été/",
        "http://site/article-été",
        "HTTPS://SITE.:443/article-%C3%A9t%C3%A9/#comment-4",
        "http://site:80/article-%C3%A9t%C3%A9?",
        "https://web.archive.org/web/20130307194448/http://site/article-%C3%A9t%C3%A9/",
        "http://web.archive.org/web/20130307194448id_/site/article-été/",
        "web.archive.org/web/2019*/https://site/article-été/",
        "https://web.archive.org/web/2013im_/http%3A%2F%2Fsite%2Farticle-%C3%A9t%C3%A9%2F",
    ]
    assert {page_key(s) for s in spellings} == {"https://site/article-%C3%A9t%C3%A9"}
    assert display_url(spellings[0]) == "https://site/article-été/"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.site.de/a", "https://site.de/a"),  # www. is another host
        ("https://site.de/a?x=1&y=2", "https://site.de/a?y=2&x=1"),  # order can matter
        ("https://site.de/a?q=%26", "https://site.de/a?q=&"),  # an escaped & is data
        ("https://site.de/a%2Fb", "https://site.de/a/b"),  # an escaped / is not a slash
        ("https://site.de/A", "https://site.de/a"),  # paths are case-sensitive
        ("https://site.de:8080/a", "https://site.de/a"),  # not a default port
        ("http://site.de:443/a", "https://site.de/a"),  # 443 is not http's port
        ("https://site.de/a/comment-page-2/", "https://site.de/a/"),  # WordPress: another URL
        ("https://web.archive.org/web/2013/", "https://web.archive.org/web/2014/"),
    ],
)
def test_different_pages(a, b):
    assert not same_page(a, b)


def test_www_merged_only_when_asked():
    assert same_page("https://www.site.de/a/", "http://site.de/a", merge_www=True)
    assert page_key("https://www.site.de/a", merge_www=True) == "https://site.de/a"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://Bücher.DE/Straße", "https://xn--bcher-kva.de/Stra%C3%9Fe"),
        ("https://site.de/a/./b/../c/", "https://site.de/a/c"),
        ("https://site.de", "https://site.de/"),
        ("https://site.de//", "https://site.de/"),
        ("https://site.de/?", "https://site.de/"),
        ("https://site.de/%7euser/%41", "https://site.de/~user/A"),
        ("https://site.de/a?q=%7e%2f%e9", "https://site.de/a?q=~%2F%E9"),  # latin-1 kept
        ("//site.de/a/", "https://site.de/a"),
        ("  https://site.de/a  ", "https://site.de/a"),
        ("https://[::1]:443/a", "https://[::1]/a"),
        ("mailto:Someone@Site.de", "mailto:Someone@Site.de"),
        ("not a url", "not%20a%20url"),  # a relative reference, escaped as such
        ("http://[::1", "http://[::1"),
    ],
)
def test_keys(url, key):
    assert page_key(url) == key


@pytest.mark.parametrize(
    ("wrapped", "original"),
    [
        ("https://web.archive.org/web/20130307194448/http://the-pain.net/", "http://the-pain.net/"),
        (
            "https://web.archive.org/web/20130307194448cs_/http://a.de/s.css?v=1",
            "http://a.de/s.css?v=1",
        ),
        ("http://web.archive.org/web/2019*/http://a.de/*", "http://a.de/*"),
        ("https://web.archive.org/web/*/a.de/x", "http://a.de/x"),
        ("https://web.archive.org/web/http://a.de/x", "http://a.de/x"),
        ("https://web.archive.org/web/2013/https:/a.de/x", "https://a.de/x"),
        ("https://web.archive.org/web/2013/http%3A%2F%2Fa.de%2Fx%3Fp%3D1", "http://a.de/x?p=1"),
        (
            "https://web.archive.org/web/2013/http://a.de/x?p=1#comment-2",
            "http://a.de/x?p=1#comment-2",
        ),
        ("https://web.archive.org:443/web/2013id_/http://a.de/", "http://a.de/"),
        # not captures: no original, or not Wayback's /web/ path
        ("https://web.archive.org/web/2013/", "https://web.archive.org/web/2013/"),
        ("https://web.archive.org/web/", "https://web.archive.org/web/"),
        (
            "https://web.archive.org/_static/js/wombat.js",
            "https://web.archive.org/_static/js/wombat.js",
        ),
        (
            "https://notarchive.org/web/2013/http://a.de/",
            "https://notarchive.org/web/2013/http://a.de/",
        ),
        ("https://a.de/web/2013/http://b.de/", "https://a.de/web/2013/http://b.de/"),
    ],
)
def test_original_url(wrapped, original):
    assert original_url(wrapped) == original


CAPTURE = "https://web.archive.org/web/20130307194448/http://the-pain.net/2008/05/post.html"


@pytest.mark.parametrize(
    ("base", "href", "joined"),
    [
        (
            CAPTURE,
            "/web/20130307194448/http://the-pain.net/2008/05/post.html?replytocom=9442#respond",
            "http://the-pain.net/2008/05/post.html?replytocom=9442#respond",
        ),
        (CAPTURE, "other.html", "http://the-pain.net/2008/05/other.html"),
        (CAPTURE, "../../../../x", "http://the-pain.net/x"),
        (CAPTURE, "#comment-3", "http://the-pain.net/2008/05/post.html#comment-3"),
        (CAPTURE, "/_static/js/wombat.js", "https://web.archive.org/_static/js/wombat.js"),
        (
            CAPTURE,
            "//archive.org/includes/analytics.js",
            "https://archive.org/includes/analytics.js",
        ),
        ("https://web.archive.org/web/2013/http://a.de", "b", "http://a.de/b"),
        ("https://site.de/a/b", " \n/c d\t", "https://site.de/c%20d"),
        ("https://site.de/a/b", "été", "https://site.de/a/%C3%A9t%C3%A9"),
        ("https://site.de/a/b", "", "https://site.de/a/b"),
        ("https://site.de/a/b", "?p=2", "https://site.de/a/b?p=2"),
        ("https://site.de/a/b", "http://x.de", "http://x.de/"),
        ("http://site.de/a", "//cdn.de/x", "http://cdn.de/x"),
        ("https://site.de/", "HTTPS://Site.de/A", "https://site.de/A"),
    ],
)
def test_absolute(base, href, joined):
    assert absolute(base, href) == joined


@pytest.mark.parametrize(
    "href",
    [
        "javascript:tabSwitch_2(1, 4, 'tab_', 'content_')",
        " JavaScript:void(0)",
        "mailto:someone@site.de",
        "data:image/png;base64,AAAA",
        "tel:+4912345",
        "ftp://site.de/file",
        "about:blank",
        "http://[::1",
        "http://",
        "https:///path",
        None,
    ],
)
def test_absolute_refuses(href):
    assert absolute("https://site.de/a", href) is None


def test_absolute_needs_a_web_base_for_a_relative_href():
    assert absolute("", "a/b") is None
    assert absolute("mailto:x@y.de", "a") is None
    assert absolute("", "https://site.de/a") == "https://site.de/a"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://xn--bcher-kva.de/%C3%A9t%C3%A9?q=%c3%a9#%C3%A9", "https://bücher.de/été?q=é#é"),
        ("https://site.de/%E9t%E9", "https://site.de/%E9t%E9"),  # latin-1, not UTF-8: kept
        ("https://site.de/a%20b%2Fc", "https://site.de/a%20b%2Fc"),  # ASCII escapes kept
        ("https://site.de/%E2%80%AEevil", "https://site.de/%E2%80%AEevil"),  # bidi override
        ("https://site.de/%C2%A0", "https://site.de/%C2%A0"),  # invisible
        (
            "https://web.archive.org/web/2013/http://www.site.de/a/#comment-1",
            "http://www.site.de/a/#comment-1",
        ),
    ],
)
def test_display_url(url, shown):
    assert display_url(url) == shown
    assert same_page(shown, url)


# --- real URLs ------------------------------------------------------------------


def manifest(corpus: Path) -> list[dict[str, str]]:
    with (corpus / "MANIFEST.tsv").open(newline="") as rows:
        return list(csv.DictReader(rows, delimiter="\t"))


def manifest_urls(corpus: Path) -> list[str]:
    """The original URLs of the corpus pages, less the notes that follow some of them."""
    urls = (row["original_url"].split(" ")[0] for row in manifest(corpus))
    return sorted({u for u in urls if u.startswith("http") and "..." not in u})


def respell(url: str) -> list[str]:
    """The same URL as other links and captures would write it."""
    parts = urlsplit(url)
    other = "http" if parts.scheme == "https" else "https"
    return [
        url.replace(parts.scheme + "://", other + "://", 1),
        url.replace(parts.netloc, parts.netloc.upper() + ".", 1),
        re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), url),
        display_url(url),
        f"https://web.archive.org/web/20200101000000/{url}",
        f"http://web.archive.org/web/2019id_/{url}#comments",
        f"web.archive.org/web/2019*/{quote(url, safe='')}",
    ]


def test_manifest_urls_keep_their_identity(corpus):
    urls = manifest_urls(corpus)
    assert len(urls) > 100
    for url in urls:
        key = page_key(url)
        assert page_key(key) == key
        assert original_url(f"https://web.archive.org/web/20130307194448id_/{url}") == url
        for spelling in respell(url):
            assert page_key(spelling) == key, (url, spelling)
    keys = {page_key(u) for u in urls}
    assert len(keys) == len(urls)  # no two corpus pages collapse into one


WAYBACK_PAGES = ["the-pain.net.silkroad.wayback.html", "tv-orange.de.future.wayback.html"]
LINK_ATTRIBUTES = "a/@href | link/@href | img/@src | script/@src | iframe/@src | form/@action"
# Distinct pages (page_key) linked from each capture, measured on the corpus copy:
# (on the archived site's host, on other hosts of the live web, Wayback's own assets).
MEASURED = {
    "the-pain.net.silkroad.wayback.html": (166, 58, 5),
    "tv-orange.de.future.wayback.html": (154, 33, 5),
}


def capture_of(corpus: Path, name: str) -> tuple[str, str]:
    """A Wayback page's capture URL and the URL it archived, from the MANIFEST."""
    row = next(r for r in manifest(corpus) if r["local_file"] == f"wordpress/{name}")
    original = row["original_url"].split(" ")[0]
    stamp = re.search(r"web\.archive\.org/web/(\d{14})/", row["original_url"])[1]
    return f"https://web.archive.org/web/{stamp}/{original}", original


def is_wayback_asset(url: str) -> bool:
    """A script or style Wayback adds to every capture: not the archived page's."""
    parts = urlsplit(url)
    return parts.hostname in ARCHIVE_HOSTS and not parts.path.startswith("/web/")


@pytest.mark.parametrize("name", WAYBACK_PAGES)
def test_wayback_page_links_lead_to_the_live_web(corpus, name):
    capture, original = capture_of(corpus, name)
    page = Selector(
        text=(corpus / "wordpress" / name).read_text(encoding="utf-8", errors="replace")
    )
    site = urlsplit(original).hostname
    canonical = page.css('link[rel="canonical"]::attr(href)').get()
    assert canonical and original_url(canonical) != canonical
    assert same_page(canonical, original)

    hrefs = page.xpath("//" + " | //".join(LINK_ATTRIBUTES.split(" | "))).getall()
    joined = [absolute(capture, h) for h in hrefs]
    links = [j for j in joined if j is not None]
    assert len(links) > 50
    assets = {page_key(j) for j in links if is_wayback_asset(j)}
    live = [j for j in links if not is_wayback_asset(j)]
    assert all(urlsplit(j).hostname not in ARCHIVE_HOSTS for j in live)
    on_site = {page_key(j) for j in live if urlsplit(j).hostname == site}
    elsewhere = {page_key(j) for j in live} - on_site
    print(name, "on site", len(on_site), "elsewhere", len(elsewhere), "wayback assets", len(assets))
    assert (len(on_site), len(elsewhere), len(assets)) == MEASURED[name]
    # the post's own permalinks (fragments, ?replytocom) are the post, or another URL of it
    own = [j for j in live if j.split("#")[0].split("?")[0].rstrip("/") == original.rstrip("/")]
    assert own and all(same_page(j.split("?")[0], original) for j in own)


@pytest.mark.parametrize(
    "name",
    [
        "netzpolitik.org.abmahnungen.html",
        "lemire.me.json.html",
        "verfassungsblog.de.expertinnen.html",
    ],
)
def test_a_live_page_wrapped_as_a_capture_links_the_same_pages(corpus, name):
    """Metamorphic: rewrite a live page's links as Wayback does; the linked pages stay."""
    row = next(r for r in manifest(corpus) if r["local_file"] == f"wordpress/{name}")
    url = row["original_url"].split(" ")[0]
    page = Selector(
        text=(corpus / "wordpress" / name).read_text(encoding="utf-8", errors="replace")
    )
    hrefs = page.xpath("//a/@href").getall()
    live = {h: absolute(url, h) for h in hrefs}
    capture = f"https://web.archive.org/web/20200101000000/{url}"
    checked = 0
    for href, target in live.items():
        if target is None:
            continue
        # Wayback rewrites absolute and root-relative links, not document-relative ones
        absolute_href = href.startswith("/") or href.lower().startswith(("http:", "https:"))
        rewritten = f"/web/20200101000000/{target}" if absolute_href else href
        in_capture = absolute(capture, rewritten)
        assert in_capture is not None and same_page(in_capture, target), (href, in_capture)
        checked += 1
    assert checked > 20

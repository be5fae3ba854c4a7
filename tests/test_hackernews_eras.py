"""Metamorphic "re-era" tests: real Hacker News threads reprinted in other eras' markup.

The corpus holds real pages from 2011 on, none from 2007-2010. Each test takes a
real page's golden thread (ids, parents, authors, dates, text, as its reviewed
expected.json gives them), prints it again in the comment markup HN served in
another era, in place of the page's own thread, and checks that the parser reads
back the same thread, dates as precisely as that era prints them.

The eras, as news.arc and saved pages print them:

- 2007: one `<tr><td><table>` per comment, flat; depth only in the spacer image's
  width (`s.gif`, 40 px a level); the id only in the vote arrow `a#up_ID` and the
  header's "link"; scores shown ("5 points by"); ages relative ("3 days ago");
  body `span.comment > font[color]`, paragraphs opened by `<p>` and never closed;
  a deleted comment keeps its row, with an empty header and no id at all.
- 2010: the same without scores, the spacer relative (`s.gif`).
- 2016: `tr.athing[id]`, `td.ind` without indent, `span.age > a` with no title,
  `span.comment > span.c00` holding the reply link after an empty `<span>`.
- 2018: `tr.athing.comtr`, `a.hnuser`, `div.comment > span.c00` (reply link still
  inside); 2019: `span.commtext.c00`, the reply link beside it.
- 2022: `td.ind[indent]`, `span.age[title]` (ISO), `parent` links in `span.navs`;
  2026: the title adds the epoch, the text is `div.commtext`.

Variations on those: minified, a Wayback Machine capture (toolbar and all), new
accounts' green names, [dead]/[flagged]/[deleted] comments, grey shades, comments
linking other items ("discussed before on: <link>"), a closed thread (no vote
arrows, no reply links), unquoted attributes, all of these at once, and captures
weeks or years after the thread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import quote, urljoin

import lxml.html
import pytest

from archiver.extract.page import extract
from archiver.extract.responses import build_response
from archiver.items import item_to_dict
from archiver.registry import load_spider

CASES = Path(__file__).parent / "sites" / "hackernews"
REAL = sorted(
    p.name for p in CASES.iterdir() if "corpus" in json.loads((p / "meta.json").read_text())
)


@dataclass(frozen=True)
class Printed:
    """A golden comment as one era prints it."""

    id: str
    parent: str | None
    depth: int
    author: str | None
    posted: datetime
    html: str
    text: str
    descendants: int = 0
    moderation: str | None = None
    shade: bool = False
    new_account: bool = False
    head: bool = False  # a permalink page's own comment, printed above its replies


@dataclass(frozen=True)
class Page:
    """What every row of a page shares: its story, its address, its capture time."""

    case: str
    story: str  # the site_article_id of its comments
    whence: str  # the page's own relative address, which vote and reply links go back to
    now: datetime
    head: str | None  # a permalink page's own comment
    title: str | None  # the story's title, which a permalink's head names ("on: <title>")


def meta_of(case: str) -> dict:
    return json.loads((CASES / case / "meta.json").read_text())


def is_permalink(case: str) -> bool:
    """A comment's own page: its story is a stub, its first comment heads the page."""
    return any(item["type"] == "Article" and item["stub"] for item in expected_items(case))


def expected_items(case: str) -> list[dict]:
    return json.loads((CASES / case / "expected.json").read_text())


def golden_of(case: str) -> list[dict]:
    return [item for item in expected_items(case) if item["type"] == "Comment"]


def utc(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def printed_thread(golden: list[dict], head: str | None) -> list[Printed]:
    """The golden comments, each at its depth below the page's roots (a permalink's head,
    then its replies from depth 0)."""
    depths: dict[str, int] = {}
    thread = []
    for c in golden:
        comment_id, parent = c["site_comment_id"], c["parent_site_comment_id"]
        if comment_id != head:
            depths[comment_id] = depths[parent] + 1 if parent in depths else 0
        thread.append(
            Printed(
                comment_id, parent, depths.get(comment_id, 0), c["author"], utc(c["posted"]),
                c["body_html"], c["body_text"], head=comment_id == head,
            )
        )  # fmt: skip
    return [replace(c, descendants=descendants(c.id, thread)) for c in thread]


def descendants(comment_id: str, thread: list[Printed]) -> int:
    children = [c.id for c in thread if c.parent == comment_id]
    return len(children) + sum(descendants(child, thread) for child in children)


# -- how each era prints a comment ------------------------------------------------------


def age(posted: datetime, now: datetime, dated: bool) -> tuple[str, datetime]:
    """news.arc's text-age (whole days, else hours, else minutes) and the moment it means.
    `dated`: later eras print the day instead past a year ("on Dec 26, 2023"; the
    threshold is a guess, the form is the one 2025 pages print)."""
    minutes = int((now - posted).total_seconds()) // 60
    assert minutes >= 0, (posted, now)
    if dated and minutes > 365 * 1440:
        day = posted.replace(hour=0, minute=0, second=0, microsecond=0)
        return f"on {posted:%b} {posted.day}, {posted.year}", day
    for unit, size in (("day", 1440), ("hour", 60), ("minute", 1)):
        if minutes >= size or unit == "minute":
            n = minutes // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago", now - timedelta(minutes=n * size)
    raise AssertionError


def raw(html: str) -> str:
    """A body as HN prints it: each paragraph opened by <p>, never closed."""
    return html.replace("</p>", "")


def user_link(c: Printed, attrs: str = "") -> str:
    name = f"<font color=#3c963c>{c.author}</font>" if c.new_account else c.author
    return f'<a href="user?id={c.author}"{attrs}>{name}</a>'


ARC_SPACER = '<img src="{src}" height=1 width={width}>'
ARC_ARROW = (
    '<a id=up_{id} href="vote?for={id}&dir=up&whence={whence}">'
    '<img src="http://ycombinator.com/images/grayarrow.gif" border=0 vspace=3 hspace=2></a>'
    "<span id=down_{id}></span>"
)


def arc_comhead(c: Printed, page: Page, *, scores: bool) -> str:
    """The header: "[N points by] user 3 days ago | link", then a permalink's parent and story."""
    score = f"<span id=score_{c.id}>1 point</span> by " if scores else ""
    marker = f" [{c.moderation}]" if c.moderation else ""
    on = ""
    if c.head:
        parent = c.parent or page.story
        story = f'<a href="item?id={page.story}">{page.title}</a>'
        on = f' | <a href="item?id={parent}">parent</a> | on: {story}'
    return (
        f"{score}{user_link(c)} {age(c.posted, page.now, dated=False)[0]}  |"
        f' <a href="item?id={c.id}">link</a>{on}{marker}'
    )


def arc_cells(c: Printed, page: Page, *, spacer: str, scores: bool) -> str:
    """A comment's vote cell and body cell; a deleted one shows neither id nor header."""
    whence = "".join(f"%{byte:02x}" for byte in page.whence.encode())
    if c.moderation == "deleted":
        vote = ARC_SPACER.format(src=spacer, width=14)
        head, body = "", '<span class="comment">[deleted]</span>'
    else:
        vote = ARC_ARROW.format(id=c.id, whence=whence)
        head = arc_comhead(c, page, scores=scores)
        color = "#5a5a5a" if c.shade else "#000000"
        body = f'<br>\n<span class="comment"><font color={color}>{raw(c.html)}</font></span>'
        if not c.head:
            body += (
                f'<p><font size=1><u><a href="reply?id={c.id}&whence={whence}">reply</a></u></font>'
            )
    return (
        f'<td valign=top><center>{vote}</center></td><td class="default">'
        '<div style="margin-top:2px; margin-bottom:-10px; ">'
        f'<span class="comhead">{head}</span></div>{body}</td>'
    )


def arc_row(c: Printed, page: Page, *, spacer: str, scores: bool) -> str:
    """2007-2010: a table per row, the spacer first; the id only in the vote arrow and "link"."""
    indent = ARC_SPACER.format(src=spacer, width=40 * c.depth)
    cells = arc_cells(c, page, spacer=spacer, scores=scores)
    return f"<tr><td><table border=0><tr><td>{indent}</td>{cells}</tr></table></td></tr>\n"


def arc_head(c: Printed, page: Page, *, spacer: str, scores: bool) -> str:
    """2007-2010: a comment's own page opens on it, without spacer, above a reply form."""
    cells = arc_cells(c, page, spacer=spacer, scores=scores)
    return (
        f'<table border=0><tr>{cells}</tr><tr><td></td><td><form method=post action="/r">'
        '<textarea name="text" rows=6 cols=60></textarea><br><br>\n'
        '<input type=submit value="reply"></form></td></tr></table>'
    )


@dataclass(frozen=True)
class Style:
    """How one era after 2015 prints a comment row."""

    row_class: str = "athing comtr "
    user_class: str = ' class="hnuser"'
    wrapper: str = "div"  # the .comment element
    text: str = "span.commtext"  # the text element inside it (its shade class added)
    reply_inside: bool = False  # the reply link inside the text element, after an empty span
    indent: bool = False  # td.ind[indent], else depth only from the spacer
    title: str = ""  # span.age[title]: "" (relative ages only), "iso" or "iso epoch"


def athing_row(c: Printed, page: Page, style: Style) -> str:
    """2015 on: tr.athing[id], td.ind, span.age; the rest as `style` says."""
    ind = f'<td class="ind" indent="{c.depth}">' if style.indent else '<td class="ind">'
    moment = c.posted.strftime("%Y-%m-%dT%H:%M:%S")
    stamp = {"": "", "iso": moment, "iso epoch": f"{moment} {int(c.posted.timestamp())}"}
    title = f' title="{stamp[style.title]}"' if style.title else ""
    printed_age = age(c.posted, page.now, dated=True)[0]
    age_span = f'<span class="age"{title}><a href="item?id={c.id}">{printed_age}</a></span>'
    deleted = c.moderation == "deleted"
    user = "" if deleted else user_link(c, style.user_class) + " "
    marker = f" [{c.moderation}] " if c.moderation and not deleted else ""
    parent = c.parent if c.depth or c.parent == page.head else None
    navs = f' | <a href="#{parent}" class="clicky" aria-hidden="true">parent</a>' if parent else ""
    goto = quote(page.whence, safe="")
    return (
        f'<tr class="{style.row_class}" id="{c.id}"><td><table border="0"><tr>{ind}'
        f'<img src="s.gif" height="1" width="{40 * c.depth}"></td>'
        f'<td valign="top" class="votelinks"><center><a id="up_{c.id}" href="vote?id={c.id}'
        f'&amp;how=up&amp;goto={goto}"><div class="votearrow" title="upvote"></div></a>'
        '</center></td><td class="default"><div style="margin-top:2px; margin-bottom:-10px;">'
        f'<span class="comhead">{user}{age_span} <span id="unv_{c.id}"></span>{marker}'
        f'<span class="navs">{navs} <a class="togg clicky" id="{c.id}" n="{c.descendants + 1}"'
        ' href="javascript:void(0)">[–]</a>'
        f"</span></span></div><br>\n{athing_body(c, page, style)}</td></tr></table></td></tr>\n"
    )


def athing_body(c: Printed, page: Page, style: Style) -> str:
    """The .comment element: the text element and the reply link, beside it or inside it."""
    goto = quote(f"{page.whence}#{c.id}", safe="")
    reply = (
        f'<div class="reply"><p><font size="1"><u><a href="reply?id={c.id}&amp;goto={goto}"'
        ' rel="nofollow">reply</a></u></font></div>'
    )
    tag, _, name = style.text.partition(".")
    classes = " ".join(filter(None, (name, "c5a" if c.shade else "c00")))
    if c.moderation == "deleted":
        text = "[deleted]"
    elif style.reply_inside:
        text = f'<{tag} class="{classes}">{raw(c.html)}<span>\n</span>{reply}</{tag}>'
    else:
        text = f'<{tag} class="{classes}">{raw(c.html)}</{tag}>'
    after = "" if style.reply_inside and c.moderation != "deleted" else reply
    return f'<{style.wrapper} class="comment">{text}{after}</{style.wrapper}>'


@dataclass(frozen=True)
class Era:
    row: Callable[[Printed, Page], str]
    table: str  # the thread table's opening tag
    titled: bool = False  # span.age[title]: dates to the second
    dated: bool = True  # ages past a year printed as the day
    head: Callable[[Printed, Page], str] | None = None  # a permalink's head, if reprinted
    ids_of_deleted: bool = True  # False: a deleted comment shows no id, so cannot be read


def arc_era(spacer: str, *, scores: bool) -> Era:
    return Era(
        partial(arc_row, spacer=spacer, scores=scores),
        "<table border=0>\n",
        head=partial(arc_head, spacer=spacer, scores=scores),
        dated=False,
        ids_of_deleted=False,
    )


def athing_era(**style: str | bool) -> Era:
    title = str(style.get("title", ""))
    return Era(
        partial(athing_row, style=Style(**style)),
        '<table border="0" class="comment-tree">\n',
        titled=bool(title),
    )


ERAS = {
    "2007": arc_era("http://ycombinator.com/images/s.gif", scores=True),
    "2010": arc_era("s.gif", scores=False),
    "2016": athing_era(
        row_class="athing", user_class="", wrapper="span", text="span.", reply_inside=True
    ),
    "2018": athing_era(text="span.", reply_inside=True),
    "2019": athing_era(),
    "2022": athing_era(indent=True, title="iso"),
    "2026": athing_era(indent=True, title="iso epoch", text="div.commtext"),
}


# -- the page around the thread ---------------------------------------------------------

TABLE_TAG = re.compile(r"<(/?)table\b", re.IGNORECASE)
COMMENT_BODY = "//*[contains(concat(' ', normalize-space(@class), ' '), ' comment ')]"


def table_bounds(page: str, table: lxml.html.HtmlElement) -> tuple[int, int]:
    """Where a table of the page starts and ends in its text."""
    nth = list(table.getroottree().iter("table")).index(table)
    tags = list(TABLE_TAG.finditer(page))
    opening = [tag for tag in tags if not tag[1]][nth]
    depth = 0
    for tag in tags[tags.index(opening) :]:
        depth += -1 if tag[1] else 1
        if depth == 0:
            return opening.start(), page.index(">", tag.start()) + 1
    raise AssertionError("unbalanced tables")


@dataclass(frozen=True)
class Reprint:
    """A real page cut around its thread (and a permalink's head), and what goes back in."""

    original: str
    thread: tuple[int, int]
    head: tuple[int, int] | None  # the table of a permalink's own comment
    rows: list[Printed]
    page: Page

    def body(self, era: Era, rows: list[Printed]) -> str:
        """The page with `rows` printed in `era`; the head too when the era reprints heads."""
        thread = era.table + "".join(era.row(c, self.page) for c in rows if not c.head) + "</table>"
        head = next((c for c in rows if c.head), None)
        text = self.original
        text = text[: self.thread[0]] + thread + text[self.thread[1] :]
        if self.head and head and era.head:  # the head's table comes before the thread's
            text = text[: self.head[0]] + era.head(head, self.page) + text[self.head[1] :]
        return text


def reprint(case: str, corpus: Path, now: datetime | None = None) -> Reprint:
    """The case's real page, ready to take its golden thread back in another era's markup."""
    meta = meta_of(case)
    original = (corpus / meta["corpus"]).read_bytes().decode("utf-8")
    bodies = lxml.html.fromstring(original).xpath(COMMENT_BODY)
    thread = table_bounds(original, bodies[-1].xpath("ancestor::table[2]")[0])
    golden = golden_of(case)
    head = golden[0]["site_comment_id"] if is_permalink(case) else None
    head_table = table_bounds(original, bodies[0].xpath("ancestor::table[1]")[0]) if head else None
    assert head_table is None or head_table[1] <= thread[0]
    story = next((item for item in expected_items(case) if item["type"] == "Article"), {})
    page = Page(
        case,
        golden[0]["site_article_id"],
        meta["url"].rsplit("/", 1)[1],
        now or utc(meta["fetched_at"]),
        head,
        story.get("title"),
    )
    return Reprint(original, thread, head_table, printed_thread(golden, head), page)


def read(case: str, body: str, now: datetime, url: str | None = None) -> tuple[list, list]:
    """The thread and the quotes the parser reads from `body` served as the case's page,
    captured at `now`."""
    meta = meta_of(case)
    response = build_response(
        url or meta["url"],
        body.encode("utf-8"),
        meta["headers"].items(),
        fetched_at=now.isoformat().replace("+00:00", "Z"),
    )
    items = [item_to_dict(i) for i in extract(load_spider("hackernews").parse_page, response)]
    return (
        [shown(item) for item in items if item["type"] == "Comment"],
        [quoted(item) for item in items if item["type"] == "Quote"],
    )


def shown(comment: dict) -> tuple:
    """A comment as a reader compares it: its text without whitespace (minifying joins words)."""
    text = "".join((comment["body_text"] or "").split())
    return (*(comment[field] for field in SHOWN), text, comment["moderation"])


SHOWN = ("site_comment_id", "site_article_id", "parent_site_comment_id", "author", "posted")


def quoted(quote: dict) -> tuple:
    return quote["site_comment_id"], quote["ordinal"], quote["text"], quote["kind"]


def expected(case: str, era: Era, reprinted: Reprint, rows: list[Printed]) -> tuple[list, list]:
    """The golden thread and quotes, as precisely as `era` prints them: a deleted comment's
    author and text gone, and the comment itself where the era prints no id for it."""
    unreadable = {c.id for c in rows if c.moderation == "deleted" and not era.ids_of_deleted}
    printed = {c.id: c for c in rows if era.head or not c.head}
    thread, quotes = [], []
    for item in expected_items(case):
        c = printed.get(item.get("site_comment_id"))
        if c is None:  # not reprinted: the permalink's head, if the era keeps the page's own
            thread += [shown(item)] if item["type"] == "Comment" else []
            quotes += [quoted(item)] if item["type"] == "Quote" else []
        elif c.id in unreadable or (c.moderation == "deleted" and item["type"] == "Quote"):
            continue
        elif item["type"] == "Quote":
            quotes.append(quoted(item))
        else:
            thread.append(shown(reprinted_comment(item, c, era, reprinted.page, unreadable)))
    return thread, quotes


def reprinted_comment(item: dict, c: Printed, era: Era, page: Page, unreadable: set) -> dict:
    posted = c.posted if era.titled else age(c.posted, page.now, era.dated)[1]
    deleted = c.moderation == "deleted"
    return {
        **item,
        "parent_site_comment_id": None if c.parent in unreadable else c.parent,
        "author": None if deleted else item["author"],
        "posted": posted.isoformat().replace("+00:00", "Z"),
        "body_text": "[deleted]" if deleted else c.text,
        "moderation": c.moderation,
    }


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("case", REAL)
def test_a_thread_reprinted_in_another_era_reads_the_same(case, era, corpus):
    reprinted = reprint(case, corpus)
    body = reprinted.body(ERAS[era], reprinted.rows)
    got = read(case, body, reprinted.page.now)
    assert got == expected(case, ERAS[era], reprinted, reprinted.rows)


# -- variations on an era ---------------------------------------------------------------


def every(rows: list[Printed], step: int, **changes: object) -> list[Printed]:
    return [replace(c, **changes) if i % step == 1 else c for i, c in enumerate(rows)]


def moderated(rows: list[Printed]) -> list[Printed]:
    """Some comments dead or flagged (as a showdead reader sees them), some deleted."""
    markers = {2: "dead", 5: "flagged", 7: "deleted"}
    return [replace(c, moderation=markers.get(i % 9)) for i, c in enumerate(rows)]


def linking_items(rows: list[Printed]) -> list[Printed]:
    """Some comments end by linking another HN item, after an "on:" as a permalink's head does."""
    url = "https://news.ycombinator.com/item?id=363"
    line = f"Discussed before on: {url}"
    more = f'<p>Discussed before on: <a href="{url}" rel="nofollow">{url}</a>'
    return [
        replace(c, html=c.html + more, text=f"{c.text}\n\n{line}") if i % 4 == 2 else c
        for i, c in enumerate(rows)
    ]


WAYBACK_LINK = re.compile(r"""(\s(href|src)=)(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
WAYBACK_TOOLBAR = """<!-- BEGIN WAYBACK TOOLBAR INSERT -->
<div id="wm-ipp" style="display:none; position:relative;padding:0 5px;min-height:70px;
 min-width:800px; z-index:9000;">
<table style="border-collapse:collapse;margin:0;padding:0;width:100%;"><tbody><tr>
<td style="padding:10px;vertical-align:top;min-width:110px;"><a href="/web/"><img
 src="/static/images/toolbar/wayback-toolbar-logo.png" alt="Wayback Machine"
 width="110" height="39" border="0"></a></td>
<td><a href="/web/20090201000000*/{url}">{url}</a> | <a href="/web/20090101000000/{url}">JAN</a>
<a href="/web/{stamp}/{url}">MAR</a></td></tr></tbody></table></div>
<!-- END WAYBACK TOOLBAR INSERT -->
"""


def wayback_of(url: str, now: datetime) -> str:
    return f"http://web.archive.org/web/{now:%Y%m%d%H%M%S}/{url}"


def as_wayback_capture(body: str, page: Page) -> str:
    """Every link made absolute and prefixed with the capture's address (images with `im_`),
    and the Wayback Machine's toolbar inserted at the top of the body."""
    url = meta_of(page.case)["url"]

    def prefix(link: re.Match) -> str:
        target = urljoin(url, next(g for g in link.groups()[2:] if g is not None))
        archived = wayback_of(target, page.now)
        if link[2].lower() == "src":
            archived = archived.replace(f"{page.now:%Y%m%d%H%M%S}/", f"{page.now:%Y%m%d%H%M%S}im_/")
        return f'{link[1]}"{archived}"'

    toolbar = WAYBACK_TOOLBAR.format(url=url, stamp=f"{page.now:%Y%m%d%H%M%S}")
    body = WAYBACK_LINK.sub(prefix, body)
    opening = re.search(r"<body[^>]*>", body)
    at = opening.end() if opening else 0
    return body[:at] + toolbar + body[at:]


def closed(body: str, page: Page) -> str:
    """A thread too old to vote on or reply to: a blank spacer for each arrow, no reply links."""
    arrows = re.compile(r"<center><a [^>]*\bid=[\"']?up_.*?</center>", re.DOTALL)
    body = arrows.sub("<center><img src=s.gif height=1 width=14></center>", body)
    return re.sub(r"<a [^>]*href=[\"']?reply\?[^>]*>reply</a>", "", body)


def unquoted(body: str, page: Page) -> str:
    """Attribute values printed bare wherever HTML allows it, as news.arc often did."""
    return re.sub(r"""(\s[a-z]+)=["']([\w#%.:/?&=;-]+)["']""", r"\1=\2", body)


def minified(body: str, page: Page) -> str:
    return re.sub(r">\s+<", "><", body)


def hostile(body: str, page: Page) -> str:
    """A closed thread, printed bare and minified, then captured by the Wayback Machine."""
    return as_wayback_capture(minified(unquoted(closed(body, page), page), page), page)


@dataclass(frozen=True)
class Variation:
    rows: Callable[[list[Printed]], list[Printed]] = list
    page: Callable[[str, Page], str] = lambda body, page: body
    later: timedelta = timedelta(0)  # captured this long after the golden page


VARIATIONS = {
    "minified": Variation(page=minified),
    "wayback": Variation(page=as_wayback_capture),
    "new_accounts": Variation(rows=partial(every, step=3, new_account=True)),
    "moderated": Variation(rows=moderated),
    "shaded": Variation(rows=partial(every, step=4, shade=True)),
    "linking_items": Variation(rows=linking_items),
    "closed": Variation(page=closed),
    "unquoted": Variation(page=unquoted),
    "hostile": Variation(page=hostile),
    "weeks_later": Variation(later=timedelta(days=40, hours=5, minutes=7)),
    "years_later": Variation(later=timedelta(days=800, hours=3)),
}
VARIED = ["item_3083797_2011", "comment_permalink_48351450", "more_fnid_2013_last"]


@pytest.mark.parametrize("variation", VARIATIONS)
@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("case", VARIED)
def test_a_varied_reprint_reads_the_same(case, era, variation, corpus):
    how = VARIATIONS[variation]
    reprinted = reprint(case, corpus, utc(meta_of(case)["fetched_at"]) + how.later)
    rows = how.rows(reprinted.rows)
    plain = reprinted.body(ERAS[era], reprinted.rows)
    body = how.page(reprinted.body(ERAS[era], rows), reprinted.page)
    assert body != plain or how.later
    now = reprinted.page.now
    wayback = how.page in (as_wayback_capture, hostile)
    url = wayback_of(meta_of(case)["url"], now) if wayback else None
    assert read(case, body, now, url) == expected(case, ERAS[era], reprinted, rows)

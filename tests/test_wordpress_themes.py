"""WordPress threads re-themed: a real page's comments printed as other themes print them.

Each case takes a real corpus page, reads its thread from the case's reviewed golden
(ids, parents by nesting, authors, dates, bodies) and prints that thread in the comment
markup another popular theme's walker prints, in place of the page's own comment list;
the rest of the page stays as served. The parser must give back the same thread: the
same comments, parents, authors and texts, and the dates as precisely as that markup
carries them. A theme nobody has tested yet is then read by the slots, not by luck.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree, html

from archiver.platforms.wordpress.comments import zone_of
from tests.test_sites import parse_case
from tests.test_wordpress_threads import CASES, _comments, _meta, _thread

# Real pages with nesting (to depth 5), quotes, and German and English dates.
PAGES = (
    "netzpolitik_abmahnungen",
    "scilogs_gendersprache",
    "theoriginalcopy_baby",
    "classcentral_certificates",
    "wordpresscom_diverse",
    "camels_okc",
    "zulang_genital",
    "backen_zitronenkuchen",
)


@dataclass(frozen=True)
class Written:
    """One comment of the page as its golden holds it, with the words its theme prints."""

    id: str
    parent: str | None
    author: str
    local: datetime  # when it was posted, in the zone the site prints dates in
    body_html: str
    depth: int
    url: str  # the post's URL: permalinks are URL#comment-ID
    words: dict[str, str]  # the theme's strings in the page's language

    @property
    def name(self) -> str:
        """The author as `get_comment_author_link()` prints it: linked every other comment."""
        name = escape(self.author)
        if int(self.id) % 2:
            link = f"https://example.org/{self.id}"
            return f"<a href='{link}' rel='external nofollow ugc' class='url'>{name}</a>"
        return name

    @property
    def iso(self) -> str:
        """`get_comment_time('c')`."""
        return self.local.isoformat()

    @property
    def when(self) -> str:
        """ "%1$s at %2$s" of `get_comment_date()` and `get_comment_time()`."""
        return f"{self.date} {self.words['at']} {self.time}"

    @property
    def date(self) -> str:
        month = self.words["months"].split()[self.local.month - 1]
        if self.words["lang"] == "de":
            return f"{self.local.day}. {month} {self.local.year}"  # "j. F Y"
        return f"{month} {self.local.day}, {self.local.year}"  # "F j, Y"

    @property
    def time(self) -> str:
        if self.words["lang"] == "de":
            return f"{self.local.hour}:{self.local:%M}"  # "G:i"
        noon = "pm" if self.local.hour >= 12 else "am"
        return f"{self.local.hour % 12 or 12}:{self.local:%M} {noon}"  # "g:i a"

    @property
    def permalink(self) -> str:
        return f"{self.url}#comment-{self.id}"

    @property
    def classes(self) -> str:
        """`comment_class()`."""
        return f"comment even thread-even depth-{self.depth}"

    @property
    def reply(self) -> str:
        """`get_comment_reply_link()`."""
        return (
            f"<a rel='nofollow' class='comment-reply-link' href='{self.url}?replytocom={self.id}"
            f'#respond\' data-commentid="{self.id}" data-belowelement="div-comment-{self.id}"'
            f" data-respondelement=\"respond\" aria-label='Reply to {escape(self.author)}'>"
            f"{self.words['reply']}</a>"
        )

    @property
    def avatar(self) -> str:
        return (
            "<img alt='' src='https://secure.gravatar.com/avatar/0?s=50&#038;d=mm&#038;r=g'"
            " class='avatar avatar-50 photo' height='50' width='50' loading='lazy'/>"
        )


WORDS = {
    "en": {
        "lang": "en",
        "months": "January February March April May June July August September October"
        " November December",
        "short": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        "at": "at",
        "on": "on",
        "says": "says:",
        "said": "said:",
        "reply": "Reply",
    },
    "de": {
        "lang": "de",
        "months": "Januar Februar März April Mai Juni Juli August September Oktober"
        " November Dezember",
        "short": "Jan Feb Mrz Apr Mai Jun Jul Aug Sep Okt Nov Dez",  # WordPress's de_DE "M"
        "at": "um",
        "on": "am",
        "says": "sagt:",
        "said": "sagte:",
        "reply": "Antworten",
    },
}


@dataclass(frozen=True)
class Theme:
    """How a theme's comment callback prints a comment, and what its markup carries."""

    name: str
    opens: Callable[[Written], str]  # the comment up to where its replies' list goes
    closes: str  # what `end_el` prints after the replies
    children: str  # the replies' list: "ul", "ol" or "div" (each with class "children")
    precision: str  # how precisely its date is printed: second, minute or day
    flat: bool = False  # the replies' list printed after the comment is closed, not inside it


def _twentyten(c: Written) -> str:
    return f"""<li class="{c.classes}" id="li-comment-{c.id}">
  <div id="comment-{c.id}">
    <div class="comment-author vcard">
      {c.avatar}
      <cite class="fn">{c.name}</cite> <span class="says">{c.words["says"]}</span>
    </div><!-- .comment-author .vcard -->
    <div class="comment-meta commentmetadata"><a href="{c.permalink}">
      {c.when}</a>
    </div><!-- .comment-meta .commentmetadata -->
    <div class="comment-body">{c.body_html}</div>
    <div class="reply">
      {c.reply}
    </div><!-- .reply -->
  </div><!-- #comment-##  -->
"""


def _twentyeleven(c: Written) -> str:
    return f"""<li class="{c.classes}" id="li-comment-{c.id}">
  <article id="comment-{c.id}" class="comment">
    <footer class="comment-meta">
      <div class="comment-author vcard">
        {c.avatar}<span class="fn">{c.name}</span> {c.words["on"]} <a href="{c.permalink}"><time
        datetime="{c.iso}">{c.when}</time></a> <span class="says">{c.words["said"]}</span>
      </div><!-- .comment-author .vcard -->
    </footer>
    <div class="comment-content">{c.body_html}</div>
    <div class="reply">
      {c.reply.replace("</a>", " <span>&darr;</span></a>")}
    </div><!-- .reply -->
  </article><!-- #comment-## -->
"""


def _twentytwelve(c: Written) -> str:
    return f"""<li class="{c.classes}" id="li-comment-{c.id}">
  <article id="comment-{c.id}" class="comment">
    <header class="comment-meta comment-author vcard">
      {c.avatar}<cite><b class="fn">{c.name}</b> </cite><a href="{c.permalink}"><time
      datetime="{c.iso}">{c.when}</time></a>
    </header><!-- .comment-meta -->
    <section class="comment-content comment">
      {c.body_html}
    </section><!-- .comment-content -->
    <div class="reply">
      {c.reply} <span>&darr;</span>
    </div><!-- .reply -->
  </article><!-- #comment-## -->
"""


def _generatepress(c: Written, li_id: bool = True) -> str:
    li = f' id="comment-{c.id}"' if li_id else ""
    return f"""<li{li} class="{c.classes}">
  <article class="comment-body" id="div-comment-{c.id}" itemtype="https://schema.org/Comment"
   itemscope>
    <footer class="comment-meta" aria-label="Comment meta">
      {c.avatar}
      <div class="comment-author-info">
        <div class="comment-author vcard" itemprop="author" itemtype="https://schema.org/Person"
         itemscope>
          <cite itemprop="name" class="fn">{c.name}</cite>
        </div><!-- .comment-author -->
        <div class="entry-meta comment-metadata">
          <a href="{c.permalink}">
            <time datetime="{c.iso}" itemprop="datePublished">
              {c.when}
            </time>
          </a>
        </div><!-- .comment-metadata -->
      </div><!-- .comment-author-info -->
    </footer><!-- .comment-meta -->
    <div class="comment-content" itemprop="text">
      {c.body_html}
      <span class="reply">{c.reply}</span>
    </div><!-- .comment-content -->
  </article><!-- .comment-body -->
"""


def _astra(c: Written) -> str:
    return f"""<li class="{c.classes}" id="li-comment-{c.id}">
  <article id="comment-{c.id}" class="ast-comment">
  <div class= 'ast-comment-info'>
    <div class='ast-comment-avatar-wrap'>{c.avatar}</div><!-- Remove 1px Space
    --><div class="ast-comment-data-wrap"><div class="ast-comment-meta-wrap">
      <header class="ast-comment-meta ast-row ast-comment-author vcard capitalize">
        <div class="ast-comment-cite-wrap ast-col-lg-12"><cite><b class="fn">{c.name}</b> </cite
        ></div>
        <div class="ast-comment-time ast-col-lg-12"><span  class="timendate"><a
         href="{c.permalink}"><time datetime="{c.iso}">{c.when}</time></a></span></div>
      </header> <!-- .ast-comment-meta -->
    </div></div>
  </div>
  <section class="ast-comment-content comment">
    {c.body_html}
    <div class="ast-comment-edit-reply-wrap">
      <span class="ast-reply-link">{c.reply}</span>
    </div>
  </section> <!-- .ast-comment-content -->
  </article><!-- #comment-## -->
"""


def _oceanwp(c: Written) -> str:
    short = c.words["short"].split()[c.local.month - 1]
    return f"""<li id="comment-{c.id}" class="comment-container">
  <article class="{c.classes} comment-body">
    {c.avatar}
    <div class="comment-content">
      <div class="comment-author">
        <span class="comment-link">{c.name} </span>
        <span class="comment-meta commentmetadata">
          <span class="comment-date">{c.local.day} {short} {c.local.year}</span>
          <span class="comment-reply-link">{c.reply}</span>
        </span>
      </div>
      <div class="clr"></div>
      <div class="comment-entry">
        <div class="comment-content">
          {c.body_html}
        </div>
      </div>
    </div><!-- .comment-content -->
  </article><!-- #comment-## -->
"""


def _divi(c: Written) -> str:
    return f"""<li class="{c.classes}" id="li-comment-{c.id}">
  <article id="comment-{c.id}" class="comment-body clearfix">
    <div class="comment_avatar">
      {c.avatar}
    </div>
    <div class="comment_postinfo">
      <span class="fn">{c.name}</span>
      <span class="comment_date">
      {c.words["on"]} {c.when}
      </span>
    </div> <!-- .comment_postinfo -->
    <div class="comment_area">
      <div class="comment-content clearfix">
      {c.body_html}<span class="reply-container">{c.reply}</span>
      </div> <!-- end comment-content-->
    </div> <!-- end comment_area-->
  </article> <!-- .comment-body -->
"""


def _avada(c: Written) -> str:
    reply = c.reply.replace(f">{c.words['reply']}<", f"> - {c.words['reply']}<")
    return f"""<li class="{c.classes}" id="comment-{c.id}">
  <div class="the-comment">
    <div class="avatar">{c.avatar}</div>
    <div class="comment-box">
      <div class="comment-author meta">
        <strong>{c.name}</strong>
        {c.when}{reply}
      </div>
      <div class="comment-text">
        {c.body_html}
      </div>
    </div>
  </div>
"""


def _newspaper(c: Written) -> str:
    return f"""<li class="comment " id="comment-{c.id}">
  <article>
    <footer>
      {c.avatar}
      <cite>{c.name}</cite>
      <a class="comment-link" href="#comment-{c.id}">
        <time pubdate="{int(c.local.timestamp())}">{c.when}</time>
      </a>
    </footer>
    <div class="comment-content">
      {c.body_html}
    </div>
    <div class="comment-meta" id="comment-{c.id}">
      {c.reply}
    </div>
  </article>
"""


def _core_html5(c: Written, tag: str = "li") -> str:
    return f"""<{tag} id="comment-{c.id}" class="{c.classes}">
  <article id="div-comment-{c.id}" class="comment-body">
    <footer class="comment-meta">
      <div class="comment-author vcard">
        {c.avatar}
        <b class="fn">{c.name}</b> <span class="says">{c.words["says"]}</span>
      </div><!-- .comment-author -->
      <div class="comment-metadata">
        <a href="{c.permalink}"><time datetime="{c.iso}">{c.when}</time></a>
      </div><!-- .comment-metadata -->
    </footer><!-- .comment-meta -->
    <div class="comment-content">
      {c.body_html}
    </div><!-- .comment-content -->
    <div class="reply">{c.reply}</div>
  </article><!-- .comment-body -->
"""


def _core_xhtml(c: Written) -> str:
    return f"""<li class="{c.classes}" id="comment-{c.id}">
  <div id="div-comment-{c.id}" class="comment-body">
    <div class="comment-author vcard">
      {c.avatar}
      <cite class="fn">{c.name}</cite> <span class="says">{c.words["says"]}</span>
    </div>
    <div class="comment-meta commentmetadata">
      <a href="{c.permalink}">{c.when}</a>
    </div>
    {c.body_html}
    <div class="reply">{c.reply}</div>
  </div>
"""


def _twentynineteen(c: Written) -> str:
    return f"""<li id="comment-{c.id}" class="{c.classes}">
  <article id="div-comment-{c.id}" class="comment-body">
    <footer class="comment-meta">
      <div class="comment-author vcard">
        {c.avatar}
        <b class="fn">{c.name}</b> <span class="screen-reader-text says">{c.words["says"]}</span>
      </div><!-- .comment-author -->
      <div class="comment-metadata">
        <a href="{c.permalink}">
          <time datetime="{c.iso}" title="{c.when}">
            {c.when}
          </time>
        </a>
      </div><!-- .comment-metadata -->
    </footer><!-- .comment-meta -->
    <div class="comment-content">
      {c.body_html}
    </div><!-- .comment-content -->
  </article><!-- .comment-body -->
  <div class="comment-reply">{c.reply}</div>
"""


def _twentytwenty(c: Written) -> str:
    """Style "div"; a linked name holds the avatar and the screen reader's "says"."""
    says = f'<span class="screen-reader-text says">{c.words["says"]}</span>'
    if "<a " in c.name:
        name = c.name.replace("class='url'>", f"class='url'>{c.avatar}<span class=\"fn\">")
        author = name.replace("</a>", f"</span>{says}</a>")
    else:
        author = f'{c.avatar}<span class="fn">{c.name}</span>{says}'
    return f"""<div id="comment-{c.id}" class="{c.classes}">
  <article id="div-comment-{c.id}" class="comment-body">
    <footer class="comment-meta">
      <div class="comment-author vcard">
        {author}
      </div><!-- .comment-author -->
      <div class="comment-metadata">
        <a href="{c.permalink}"><time datetime="{c.iso}" title="{c.when}">{c.when}</time></a>
      </div><!-- .comment-metadata -->
    </footer><!-- .comment-meta -->
    <div class="comment-content entry-content">
      {c.body_html}
    </div><!-- .comment-content -->
    <footer class="comment-footer-meta">
      <span class="comment-reply">{c.reply}</span>
    </footer>
  </article><!-- .comment-body -->
"""


def _comment_blocks(c: Written) -> str:
    """Block themes (Twenty Twenty-Two on): the Comment Template block's inner blocks."""
    name = c.name.replace(" class='url'", ' target="_self"')  # the block's link has no class
    return f"""<li id="comment-{c.id}" class="{c.classes}">
<div class="wp-block-columns is-layout-flex wp-container-core-columns-is-layout-1">
<div class="wp-block-column is-layout-flow" style="flex-basis:40px">
<div class="wp-block-avatar"><img alt="{escape(c.author)} Avatar" src="https://secure.gravatar.com/avatar/0?s=40"
 class="avatar avatar-40 photo wp-block-avatar__image" height="40" width="40"/></div>
</div>
<div class="wp-block-column is-layout-flow">
<div class="wp-block-comment-author-name has-small-font-size">{name}</div>
<div class="wp-block-group is-layout-flex" style="margin-top:0px;margin-bottom:0px">
<div class="wp-block-comment-date has-small-font-size"><time datetime="{c.iso}"><a
 href="{c.permalink}">{c.date}</a></time></div>
</div>
<div class="wp-block-comment-content">{c.body_html}</div>
<div class="wp-block-comment-reply-link has-small-font-size">{c.reply}</div>
</div>
</div>
"""


def _genesis(c: Written) -> str:
    return f"""<li class="{c.classes}" id="comment-{c.id}">
  <article itemprop="comment" itemscope itemtype="https://schema.org/Comment">
    <header class="comment-header">
      <p class="comment-author" itemprop="author" itemscope itemtype="https://schema.org/Person">
        {c.avatar}<span class="comment-author-name" itemprop="name">{c.name}</span> <span
        class="says">{c.words["says"].rstrip(":")}</span>
      </p>
      <p class="comment-meta"><time class="comment-time" datetime="{c.iso}"
       itemprop="datePublished"><a class="comment-time-link" href="{c.permalink}"
       itemprop="url">{c.when}</a></time></p>
    </header>
    <div class="comment-content" itemprop="text">{c.body_html}</div>
    <div class="comment-reply">{c.reply}</div>
  </article>
"""


def _flatsome(c: Written) -> str:
    """The avatar alone in `.comment-author`; the name beside it, the date below the text."""
    return f"""<li class="{c.classes}" id="li-comment-{c.id}">
  <article id="comment-{c.id}" class="comment-inner">
    <div class="flex-row align-top">
      <div class="flex-col">
        <div class="comment-author mr-half">{c.avatar}</div>
      </div>
      <div class="flex-col flex-grow">
        <cite class="strong fn">{c.name}</cite> <span class="says">{c.words["says"]}</span>
        <div class="comment-content">{c.body_html}</div>
        <div class="comment-meta commentmetadata uppercase is-xsmall clear">
          <a href="{c.permalink}"><time datetime="{c.iso}">{c.when}</time></a>
          <div class="reply pull-right">{c.reply}</div>
        </div>
      </div>
    </div>
  </article>
"""


def _blocksy(c: Written) -> str:
    return f"""<li id="comment-{c.id}" class="{c.classes}">
  <article class="ct-comment-inner" id="ct-comment-inner-{c.id}" itemprop="comment" itemscope>
    <footer class="ct-comment-meta">
      {c.avatar}
      <h4 class="ct-comment-author" itemprop="author" itemscope><cite
       itemprop="name">{c.name}</cite></h4>
      <div class="ct-comment-meta-data">
        <a href="{c.permalink}"><time datetime="{c.iso}"
         itemprop="datePublished">{c.date} / {c.time}</time></a>
        {c.reply}
      </div>
    </footer>
    <div class="ct-comment-content entry-content is-layout-flow" itemprop="text">
      {c.body_html}
    </div>
  </article>
"""


THEMES = [
    Theme(
        "core_html5", _core_html5, "</li>", "ul", "second"
    ),  # core's walker: Twenty Fourteen, Hueman
    Theme("core_html5_ol", _core_html5, "</li>", "ol", "second"),  # style "ol"
    Theme("core_html5_div", lambda c: _core_html5(c, "div"), "</div>", "div", "second"),
    # a callback that closes its `li` itself, so `end_el` closes nothing: nesting by depth-N
    Theme("core_html5_flat", _core_html5, "</li>", "ul", "second", flat=True),
    Theme("core_xhtml", _core_xhtml, "</li>", "ul", "minute"),
    Theme("twentyten", _twentyten, "</li>", "ul", "minute"),
    Theme("twentyeleven", _twentyeleven, "</li>", "ul", "second"),
    Theme("twentytwelve", _twentytwelve, "</li>", "ol", "second"),
    Theme("generatepress", _generatepress, "</li>", "ul", "second"),
    Theme("generatepress_bare_li", lambda c: _generatepress(c, False), "</li>", "ul", "second"),
    Theme("astra", _astra, "</li>", "ol", "second"),
    Theme("oceanwp", _oceanwp, "</li>", "ol", "day"),
    Theme("divi", _divi, "</li>", "ul", "minute"),
    Theme("avada", _avada, "</li>", "ul", "minute"),
    Theme("newspaper", _newspaper, "</li>", "ul", "minute"),
    Theme("twentynineteen", _twentynineteen, "</li>", "ol", "second"),
    Theme("twentytwenty", _twentytwenty, "</div>", "div", "second"),
    Theme("comment_blocks", _comment_blocks, "</li>", "ol", "second"),
    Theme("genesis", _genesis, "</li>", "ul", "second"),
    Theme("flatsome", _flatsome, "</li>", "ul", "second"),
    Theme("blocksy", _blocksy, "</li>", "ul", "second"),
]


def _written(case: Path) -> list[Written]:
    """The page's thread as its golden holds it, each comment's depth from its parents."""
    meta = _meta(case)
    language = meta["counted"]["language"]
    zone = ZoneInfo(zone_of(language))  # where the parser reads dates printed without a zone
    depths: dict[str, int] = {}
    thread = []
    for comment in _comments(json.loads((case / "expected.json").read_text())):
        parent = comment["parent_site_comment_id"]
        depths[comment["site_comment_id"]] = depths[parent] + 1 if parent else 1
        posted = datetime.fromisoformat(comment["posted"].replace("Z", "+00:00"))
        thread.append(
            Written(
                id=comment["site_comment_id"],
                parent=parent,
                author=comment["author"],
                local=posted.astimezone(zone),
                body_html=comment["body_html"],
                depth=depths[comment["site_comment_id"]],
                url=meta["url"],
                words=WORDS[language.split("-")[0]],
            )
        )
    return thread


def _printed(theme: Theme, thread: list[Written]) -> str:
    """The thread as `wp_list_comments()` prints it with the theme's callback."""
    replies: dict[str | None, list[Written]] = {}
    for comment in thread:
        replies.setdefault(comment.parent, []).append(comment)

    def one(comment: Written) -> str:
        inner = "".join(one(reply) for reply in replies.get(comment.id, []))
        below = f'<{theme.children} class="children">{inner}</{theme.children}>' if inner else ""
        if theme.flat:
            return theme.opens(comment) + theme.closes + below
        return theme.opens(comment) + below + theme.closes

    return "".join(one(comment) for comment in replies.get(None, []))


def _outermost(root: html.HtmlElement, comment_id: str) -> html.HtmlElement:
    """The outermost element carrying one of the comment's ids, as the page prints them."""
    ids = {f"comment-{comment_id}", f"li-comment-{comment_id}", f"div-comment-{comment_id}"}
    found = [e for e in root.iter(etree.Element) if e.get("id") in ids]
    assert found, comment_id
    return min(found, key=lambda e: len(list(e.iterancestors())))


PRINTED = "rethemed-comments"  # the list's id, for the test that the old markup is gone


def rethemed(case: Path, body: bytes, theme: Theme) -> bytes:
    """The real page with its comment list replaced by the thread printed in `theme`."""
    root = html.fromstring(body)
    thread = _written(case)
    tops = [_outermost(root, comment.id) for comment in thread]
    ancestors = [set(top.iterancestors()) for top in tops]
    common = next(a for a in tops[0].iterancestors() if all(a in up for up in ancestors))
    tag = "div" if theme.children == "div" else "ol"
    printed = html.fragment_fromstring(
        f'<{tag} class="comment-list" id="{PRINTED}">{_printed(theme, thread)}</{tag}>'
    )
    if common.tag in ("ol", "ul"):  # the page's own comment list: all of it goes
        printed.tail = common.tail
        common.getparent().replace(common, printed)
    else:  # the comments' elements (and what lies between them) give way to the list
        holding = [
            c
            for c in common
            if any(c is top or c in up for top, up in zip(tops, ancestors, strict=True))
        ]
        start, end = common.index(holding[0]), common.index(holding[-1])
        for child in list(common)[start : end + 1]:
            common.remove(child)
        common.insert(start, printed)
    return html.tostring(root, encoding="utf-8", doctype="<!DOCTYPE html>")


def _rounded(posted: str | None, zone: str, precision: str) -> str | None:
    """A date as precisely as a theme prints it, in the site's zone."""
    if posted is None:
        return None
    local = datetime.fromisoformat(posted.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return {
        "second": local.isoformat(),
        "minute": local.replace(second=0).isoformat(),
        "day": local.date().isoformat(),
    }[precision]


def _quotes(items: list[dict]) -> list[tuple]:
    return [
        (q["site_comment_id"], q["ordinal"], q["kind"], q["quoted_author"], q["text"])
        for q in items
        if q["type"] == "Quote"
    ]


CASES_BY_THEME = [(theme, page) for theme in THEMES for page in PAGES]


@pytest.mark.parametrize(
    ("theme", "name"), CASES_BY_THEME, ids=[f"{t.name}-{p}" for t, p in CASES_BY_THEME]
)
def test_a_rethemed_page_gives_the_same_thread(theme, name, corpus):
    case = CASES / name
    expected = json.loads((case / "expected.json").read_text())
    body = rethemed(case, (corpus / _meta(case)["corpus"]).read_bytes(), theme)
    assert (
        _outside_the_printed_list(body, [c["site_comment_id"] for c in _comments(expected)]) == []
    )
    got = parse_case(case, body)
    assert _thread(got) == _thread(expected)
    zone = zone_of(_meta(case)["counted"]["language"])
    assert [_rounded(c["posted"], zone, theme.precision) for c in _comments(got)] == [
        _rounded(c["posted"], zone, theme.precision) for c in _comments(expected)
    ]
    assert _quotes(got) == _quotes(expected)


def _outside_the_printed_list(body: bytes, ids: list[str]) -> list[str]:
    """The page's comments still carrying an id outside the re-themed list: none, or the
    parser could read the original markup and the test pass without the theme's."""
    root = html.fromstring(body)
    printed = root.get_element_by_id(PRINTED)
    names = {f"{prefix}comment-{i}" for i in ids for prefix in ("", "li-", "div-")}
    return [
        e.get("id")
        for e in root.iter(etree.Element)
        if e.get("id") in names and printed not in e.iterancestors()
    ]

"""An offline next.ink look-alike for `archiver demo`: static files, same bytes each build.

Pages follow the next.ink markup that `spiders/next_ink.py` reads. Links are host-relative,
so the site works on any 127.0.0.1 port. A static server ignores query strings, so a
thread's second page lives at `/{id}/{slug}/comments-2/` instead of next.ink's `?cpage=2`.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
COMMENTS_PER_PAGE = 20
LONG_THREAD = 25  # the newest article's thread: always two comment pages
MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
# Word lists are "|"-separated. Five title templates, six companies: no title repeats
# before the thirty-first article.
TITLES = (
    "{c} dévoile son {t}|{c} lève {n} millions d’euros pour son {t}|Fuite de données chez {c} : "
    "{n} 000 clients concernés|Le {t} de {c} épinglé par une association de consommateurs|"
    "{c} promet son {t} dès l’été"
).split("|")
COMPANIES = "Télécâble Ouest|Nuagéo|Octéa|Brévane Systèmes|Libréo|Hexagone Cloud".split("|")
THINGS = "cloud souverain|réseau fibre rural|assistant vocal|routeur Wi-Fi 7".split("|")
THINGS += ["navigateur sans pisteurs", "logiciel de caisse libre"]
CITIES = "Rennes|Lyon|Besançon|Pau|Évry".split("|")
SENTENCES = (
    "{c} a présenté mardi son projet de {t}, attendu depuis plusieurs mois.|"
    "Selon l’entreprise, près de {n} 000 foyers seraient concernés d’ici la fin de l’année.|"
    "Les premiers essais auront lieu à {v}, avant un déploiement plus large.|"
    "Interrogée, la direction évoque « une étape décisive » pour ses équipes.|"
    "Les associations d’utilisateurs restent prudentes et réclament plus de transparence.|"
    "Le code source doit être publié sous licence libre d’ici l’été.|"
    "Aucun calendrier précis n’a toutefois été communiqué.|"
    "Plusieurs élus locaux saluent une annonce « attendue de longue date ».|"
    "Le prix public n’est pas encore connu ; il devrait être dévoilé au printemps.|"
    "L’autorité de régulation a demandé des précisions sur les conditions d’accès.|"
    "Des chercheurs de {v} ont déjà relevé plusieurs failles dans une version de test.|"
    "La société assure que les données resteront hébergées en France."
).split("|")
REMARKS = (
    "Encore une annonce, on verra dans deux ans où ça en est.|Mieux vaut tard que jamais.|"
    "Chez moi la fibre est arrivée la semaine dernière, c’est le jour et la nuit.|"
    "Le vrai sujet, c’est la maintenance sur la durée.|Merci pour l’article, très clair.|"
    "Quelqu’un a un lien vers le communiqué original ?|"
    "Je suis curieux de voir les tarifs une fois la promo terminée :D|"
    "Tant que le code n’est pas publié, je reste sceptique.|"
    "On en reparlera quand les premiers retours d’utilisateurs seront publiés.|"
    "Ça sent le projet qui finira dans un tiroir :transpi:|"
    "Pas d’accord : pour une petite structure, c’est un vrai progrès.|"
    "Et côté vie privée, qu’est-ce qu’on sait exactement ?"
).split("|")
PSEUDOS = "Zoé_B|Rémi42|Gaëtan|Łukasz|Ænima|fofo|Kévin_Linux|Maïwenn|le_pingouin|Josué".split("|")
AUTHORS = ["Mathilde Lévêque", "Jérôme Kervella", "Inès Bouchard"]
TAGS = ["Réseaux", "Logiciel libre", "Sécurité", "Vie privée", "Cloud", "Matériel"]
# The newest thread opens with one comment of each kind, so every kind is always present.
FORCED_KINDS = ["plain", "said", "raw", "article", "external", "reply", "moderated"]
RANDOM_KINDS = ["plain"] * 6 + ["said", "raw", "article", "reply"]
EXTERNAL = (
    '<p>Le rapport est ici : <a href="https://www.example.org/observatoire-2024">Observatoire'
    " des réseaux, rapport 2024</a></p>\n<blockquote><p>Un foyer sur trois dit avoir subi une"
    " panne de plus de 24 heures.</p></blockquote>\n"
)
MODERATED = "<p>Commentaire supprimé par la modération</p>"


@dataclass
class DemoSite:
    """Where the site was written and what it holds."""

    root: Path
    articles: int
    comments: int  # moderated ones included
    quotes: int  # <blockquote> elements in comments, of every kind
    reply_markers: int
    pages: int  # HTML files: listings, articles, further comment pages


@dataclass
class Comment:
    cid: int
    author: str | None  # None: removed by moderation
    posted: datetime
    remark: str  # the comment's own paragraph, which later comments quote
    html: str


@dataclass
class Post:
    pid: int
    title: str
    author: str
    published: datetime
    paragraphs: list[str]
    tags: list[str]
    paywall: bool
    comments: list[Comment] = field(default_factory=list)

    def page_url(self, page: int = 1) -> str:
        url = f"/{self.pid}/{slugify(self.title)}/"
        return url if page == 1 else f"{url}comments-{page}/"


def slugify(title: str) -> str:
    """WordPress-like slug: accents folded, apostrophes dropped ("d’euros" -> "deuros")."""
    text = unicodedata.normalize("NFKD", re.sub("[’']", "", title))
    return re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode().lower()).strip("-")


def french_date(moment: datetime) -> str:
    return f"Le {moment.day} {MONTHS.split()[moment.month - 1]} {moment.year} à {moment:%Hh%M}"


def _post(rng: random.Random, index: int, pid: int, published: datetime) -> Post:
    words = {"c": COMPANIES[index % len(COMPANIES)], "t": rng.choice(THINGS)}
    words |= {"n": rng.randint(2, 90), "v": rng.choice(CITIES)}
    title = TITLES[index % len(TITLES)].format(**words)
    sentences = [s.format(**words) for s in rng.sample(SENTENCES, 2 * rng.randint(3, 4))]
    paragraphs = [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]
    tags = rng.sample(TAGS, rng.randint(0, 2))
    return Post(pid, title, rng.choice(AUTHORS), published, paragraphs, tags, paywall=index == 1)


def _comment_html(
    rng: random.Random, kind: str, own: str, post: Post, earlier: list[Comment]
) -> str:
    """A comment body in one of next.ink's quote conventions, ending with its own remark."""
    target = rng.choice(earlier) if earlier else None
    if kind == "said" and target:
        said = rng.choice(["a dit :", "a dit:"])
        return f"<p>{target.author} {said}</p>\n<blockquote>{target.remark}</blockquote>\n{own}"
    if kind == "raw" and target:
        # Comments migrated from the old site keep its API's marker, some with extra fields.
        marker = f"(quote:{target.cid}:{target.author})"
        marker = f"(quote:{target.cid}:::1)" if rng.random() < 0.3 else marker
        quoted = target.remark.removeprefix("<p>")
        return f"<blockquote><p>{marker}<br>\n{quoted}</blockquote>\n{own}"
    if kind == "article":
        sentence = rng.choice(" ".join(post.paragraphs).split(". ")).rstrip(".")
        return f"<blockquote><p>{sentence}</p></blockquote>\n{own}"
    if kind == "reply" and target:
        return own.replace("<p>", f"<p>(reply:{target.cid}:{target.author}) ", 1)
    return (EXTERNAL if kind == "external" else "") + own


def _thread(rng: random.Random, post: Post, count: int, forced: bool, cid: int) -> int:
    """Fill `post.comments`; returns the last comment id used."""
    posted = post.published
    for n in range(count):
        cid += rng.randint(1, 9)
        posted += timedelta(minutes=rng.randint(2, 95), seconds=rng.randint(0, 59))
        kind = FORCED_KINDS[n] if forced and n < len(FORCED_KINDS) else rng.choice(RANDOM_KINDS)
        if kind == "moderated":
            post.comments.append(Comment(cid, None, posted, "", MODERATED))
            continue
        # Nobody answers their own comment, so the previous one is always quotable.
        previous = post.comments[-1].author if post.comments else None
        author = rng.choice([p for p in PSEUDOS if p != previous])
        earlier = [c for c in post.comments if c.author not in (None, author)]
        remark = f"<p>{rng.choice(REMARKS)}</p>"
        html = _comment_html(rng, kind, remark, post, earlier)
        post.comments.append(Comment(cid, author, posted, remark, html))
    return cid


def _page(title: str, main: str, head: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="fr-FR"><head><meta charset="UTF-8">
<title>{escape(title)}</title>
{head}</head><body>
<header class="site-header"><a href="/connexion/">Connexion</a> \
<a href="/abonnement/">Abonnez-vous</a></header>
{main}
<footer><p>Next – site de démonstration hors ligne</p></footer></body></html>
"""


def _entry(post: Post) -> str:
    return f"""
 <div class="block-article" data-post-id="{post.pid}">
   <a class="block-article-link" href="{post.page_url()}">\
<h2 class="block-article-title">{escape(post.title)}</h2></a>
   <time class="block-article-date" datetime="{post.published.isoformat()}">\
{french_date(post.published)}</time>
   <span class="block-article-comments">{len(post.comments)}</span>
 </div>"""


def _listing(posts: list[Post], number: int, last: bool) -> str:
    nav = f'<a class="next page-numbers" href="/page/{number + 1}/">Suivant</a>'
    nav = "" if last else f'\n <nav class="pagination">{nav}</nav>'
    main = f'<main class="home">{"".join(map(_entry, posts))}{nav}\n</main>'
    title = "Next - Actualités du numérique" + (f" - Page {number}" if number > 1 else "")
    return _page(title, main)


def _comment(c: Comment, number: int) -> str:
    classes = "comment" if c.author else "comment comment-moderated"
    reason = "" if c.author else ' data-moderation-reason="Propos injurieux"'
    name = f'\n  <div class="next-status-name-user">{escape(c.author)}</div>' if c.author else ""
    return f"""
<div class="{classes}" id="comment-{c.cid}" data-comment-id="{c.cid}" \
data-comment-date="{c.posted:%Y-%m-%d %H:%M:%S}"{reason}>
 <div class="comment-header">
  <img class="avatar" src="/avatar.png" alt="votre avatar">{name}
  <a class="comment-number" href="#comment-{c.cid}">#{number}</a>
 </div>
 <div class="comment-content">
{c.html}
 </div>
</div>"""


def _article(post: Post, page: int, pages: int) -> str:
    iso, title = post.published.isoformat(), escape(post.title)
    head = f'<link rel="canonical" href="https://next.ink{post.page_url()}">\n'
    head += f'<meta property="og:title" content="{title}">\n'
    head += f'<meta property="article:published_time" content="{iso}">\n'
    head += "".join(f'<meta property="article:tag" content="{escape(t)}">\n' for t in post.tags)
    paragraphs = [f"<p>{p}</p>" for p in post.paragraphs]
    paywall = f'\n<div id="paywall">{paragraphs.pop()}</div>' if post.paywall else ""
    body = "\n".join(paragraphs)
    first = (page - 1) * COMMENTS_PER_PAGE
    shown = post.comments[first : first + COMMENTS_PER_PAGE]
    comments = "".join(_comment(c, first + i + 1) for i, c in enumerate(shown))
    nav = f'<a class="comments-next" href="{post.page_url(page + 1)}">Commentaires suivants</a>'
    nav = f'\n<nav class="comments-pagination">{nav}</nav>' if page < pages else ""
    main = f"""<main>
<article data-post-id="{post.pid}" class="post-{post.pid} post type-post">
<h1 class="article-title">{title}</h1>
<div class="article-author">\
<a href="/author/{slugify(post.author)}/" rel="author">{escape(post.author)}</a></div>
<div class="article-date"><time datetime="{iso}">{french_date(post.published)}</time></div>
<div class="article-contenu">
{body}
</div>{paywall}
</article>
<section id="comments" class="comments">
<h2 class="comments-title">Commentaires (<span class="comments-count">{len(post.comments)}\
</span>)</h2>
<div class="comments-list">{comments}
</div>{nav}
</section>
</main>"""
    return _page(f"{post.title} - Next", main, head)


def _posts(rng: random.Random, count: int) -> list[Post]:
    """The articles, newest first; ids and dates grow with time as on the real site."""
    posts, pid, cid = [], 152_000, 3_180_000
    published = datetime(2024, 3, 4, 7, 15, tzinfo=PARIS)
    for index in range(count):
        pid += rng.randint(3, 40)
        published += timedelta(hours=rng.randint(3, 20), minutes=rng.randint(0, 59))
        post = _post(rng, index, pid, published)
        newest = index == count - 1
        size = LONG_THREAD if newest else rng.randint(0, LONG_THREAD)
        cid = _thread(rng, post, size, forced=newest, cid=cid)
        posts.append(post)
    return posts[::-1]


def build_demo_site(root: Path, articles: int = 8, per_page: int = 3, seed: int = 7) -> DemoSite:
    """Write the demo site under `root`; the same arguments always give the same bytes."""
    posts = _posts(random.Random(seed), articles)
    files = {"robots.txt": "User-agent: *\nAllow: /\nDisallow: /connexion/\n"}
    listings = [posts[i : i + per_page] for i in range(0, len(posts), per_page)]
    for number, chunk in enumerate(listings, start=1):
        path = "index.html" if number == 1 else f"page/{number}/index.html"
        files[path] = _listing(chunk, number, last=number == len(listings))
    for post in posts:
        pages = max(1, -(-len(post.comments) // COMMENTS_PER_PAGE))
        for page in range(1, pages + 1):
            files[post.page_url(page).lstrip("/") + "index.html"] = _article(post, page, pages)
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(text.encode("utf-8"))
    bodies = [c.html for p in posts for c in p.comments]
    quotes = sum(b.count("<blockquote>") for b in bodies)
    replies = sum(b.count("(reply:") for b in bodies)
    return DemoSite(root, len(posts), len(bodies), quotes, replies, len(files) - 1)

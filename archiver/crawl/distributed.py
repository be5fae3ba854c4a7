"""Crawl one site on several machines: scrapy-redis's shared queue and duplicate filter.

With a Redis URL (`--redis`, the REDIS_URL setting or ARCHIVER_REDIS_URL) the
SCHEDULER (`archiver.crawl.scheduler`) hands Scrapy the `RedisScheduler` below, a
scrapy-redis scheduler whose keys start with `news-archiver:SPIDER:`; without one
it hands Scrapy its own scheduler, so a single machine crawls exactly as before.
Each worker keeps its own archive folder (WARC files, database, `fetch_state`);
Redis holds only the run.

What scrapy-redis alone does not give, and this module adds:

- Leases. scrapy-redis pops a request out of Redis, so a worker killed with
  requests in hand would lose them. Here a pop moves the request into a lease
  (`:leases`, deadline in Redis time) that the worker renews while it runs and
  drops once Scrapy has finished the request (downloaded, parsed, its items
  stored and its links queued). A lease that is not renewed expires and any
  worker puts the request back in the queue.
- Idle policy. A worker does not close while the queue is empty but other
  workers hold leases: those requests may come back, or lead to new pages.
- One run at a time. The duplicate filter lives as long as a run: the first
  worker to join an idle Redis starts a run (clears the filter), the last to
  leave ends it. Every worker yields the start pages; the filter lets the first
  copy through, so the first worker seeds the queue and the others consume.
- Thread pages. Each worker's `fetch_state` knows only the pages it fetched, so
  a page one worker fetched looks new, or due, to another. A thread page
  (article, comment page, due page) is queued only by the worker that claims
  `:claim:FINGERPRINT` (SET NX) for the shortest recrawl backoff, so no two
  workers fetch it in one run, or in the next runs before it can be due again.
  Start, listing and index pages are fetched once per run (the duplicate filter).

Requests travel through Redis pickled (scrapy-redis's default): the Redis
server must be one only the workers can reach.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import deque
from typing import Any

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis import connection
from scrapy_redis import scheduler as redis_scheduler
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from twisted.internet.task import LoopingCall

from archiver.contract import THREAD_LINKS, Meta
from archiver.store.frontier import Policy

logger = logging.getLogger(__name__)

KEY_PREFIX = "news-archiver:%(spider)s"
IDLE_POLL_SECONDS = 0.2

# Redis time, so the workers' clocks need not agree.
_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1e6 "

# KEYS: queue, leases, leased, scores. ARGV: token, lease seconds.
_POP = (
    _NOW
    + """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], top[1])
redis.call('HSET', KEYS[4], ARGV[1], top[2])
return top[1]
"""
)

# KEYS: queue, leases, leased, scores. ARGV: 'expired' or 'tokens', then tokens.
_REQUEUE = (
    _NOW
    + """
local tokens = {}
if ARGV[1] == 'expired' then
  tokens = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
else
  for i = 2, #ARGV do tokens[#tokens + 1] = ARGV[i] end
end
local moved = 0
for _, token in ipairs(tokens) do
  if redis.call('ZREM', KEYS[2], token) == 1 then
    local data = redis.call('HGET', KEYS[3], token)
    if data then
      redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[4], token), data)
      moved = moved + 1
    end
    redis.call('HDEL', KEYS[3], token)
    redis.call('HDEL', KEYS[4], token)
  end
end
return moved
"""
)

# KEYS: leases, workers. ARGV: seconds, worker, tokens... (renews only leases still held)
_RENEW = (
    _NOW
    + """
local deadline = now + tonumber(ARGV[1])
redis.call('ZADD', KEYS[2], deadline, ARGV[2])
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], 'XX', deadline, ARGV[i]) end
return 1
"""
)

# KEYS: dupefilter, queue, claim. ARGV: fingerprint, score, data, dont_filter, claim seconds
# (0: no claim), worker. One script: a request is filtered and queued, or neither.
_PUSH = """
if ARGV[5] ~= '0' and not redis.call('SET', KEYS[3], ARGV[6], 'NX', 'EX', ARGV[5]) then
  return 0
end
if ARGV[4] == '0' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


# KEYS: workers, queue, leases, dupefilter, leased, scores. ARGV: 'join' or 'leave', worker,
# seconds. A run starts when a worker joins an idle Redis and ends when the last one leaves.
_MEMBERSHIP = (
    _NOW
    + """
if ARGV[1] == 'leave' then redis.call('ZREM', KEYS[1], ARGV[2]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local idle = redis.call('ZCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) == 0
  and redis.call('ZCARD', KEYS[3]) == 0
if idle then redis.call('DEL', KEYS[4], KEYS[5], KEYS[6]) end
if ARGV[1] == 'join' then redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2]) end
if idle then return 1 else return 0 end
"""
)


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pops are leases until acknowledged."""

    def __init__(self, server: redis.Redis, spider: Spider, key: str, serializer: Any = None):  # noqa: ANN401
        super().__init__(server, spider, key, serializer)
        self.leases_key = f"{self.key}:leases"  # token -> deadline
        self.leased_key = f"{self.key}:leased"  # token -> encoded request
        self.scores_key = f"{self.key}:scores"  # token -> its score in the queue
        self.lease_seconds = spider.settings.getfloat("REDIS_LEASE_SECONDS")
        self._pop = server.register_script(_POP)
        self._requeue = server.register_script(_REQUEUE)

    @property
    def lease_keys(self) -> list[str]:
        return [self.key, self.leases_key, self.leased_key, self.scores_key]

    def pop_leased(self) -> tuple[Request, str] | None:
        """The most urgent request and the lease token that holds it."""
        token = uuid.uuid4().hex
        data = self._pop(keys=self.lease_keys, args=[token, self.lease_seconds])
        if data is None:
            return None
        return self._decode_request(data), token

    def encode(self, request: Request) -> bytes:
        return self._encode_request(request)

    def ack(self, tokens: list[str]) -> None:
        """These requests are done: drop their leases."""
        pipe = self.server.pipeline()
        pipe.zrem(self.leases_key, *tokens)
        pipe.hdel(self.leased_key, *tokens)
        pipe.hdel(self.scores_key, *tokens)
        pipe.execute()

    def release(self, tokens: list[str]) -> int:
        """Put these leased requests back in the queue now."""
        return self._requeue(keys=self.lease_keys, args=["tokens", *tokens])

    def reap(self) -> int:
        """Put every expired lease's request (a worker that died) back in the queue."""
        return self._requeue(keys=self.lease_keys, args=["expired"])

    def outstanding(self) -> int:
        return self.server.zcard(self.leases_key)

    def clear(self) -> None:
        self.server.delete(*self.lease_keys)


class RedisScheduler(redis_scheduler.Scheduler):
    """scrapy-redis's scheduler with leases, run membership and due-page claims."""

    def __init__(self, crawler: Crawler, server: redis.Redis, prefix: str) -> None:
        settings = crawler.settings
        dupefilter = RFPDupeFilter(
            server, key=f"{prefix}:dupefilter", debug=settings.getbool("DUPEFILTER_DEBUG")
        )
        super().__init__(
            server,
            persist=True,  # one worker closing must not wipe the others' queue
            queue_key=f"{prefix}:requests",
            queue_cls=LeasedQueue,
            dupefilter=dupefilter,
            dupefilter_key=dupefilter.key,
        )
        self.crawler = crawler
        self.stats = crawler.stats
        self.prefix = prefix
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = settings.getfloat("REDIS_LEASE_SECONDS")
        self.claim_seconds = _claim_seconds(settings)
        self.recheck = settings.getbool("RECRAWL_RECHECK")
        # Scrapy would pull up to CONCURRENT_REQUESTS into a downloader that fetches a site
        # CONCURRENT_REQUESTS_PER_DOMAIN at a time: hold a few batches, leave the rest to others.
        self.max_held = 4 * max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.held: dict[Request, str] = {}
        self.handed_over: deque[Request] = deque()
        self._poll = LoopingCall(self.poll)
        self._push = server.register_script(_PUSH)
        self._renew = server.register_script(_RENEW)
        self._membership = server.register_script(_MEMBERSHIP)
        self._heartbeat = LoopingCall(self.beat)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        server = connection.get_redis_from_settings(crawler.settings)
        server.ping()  # fail now, not at the first request, when Redis is unreachable
        return cls(crawler, server, KEY_PREFIX % {"spider": crawler.spidercls.name})

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.queue = LeasedQueue(self.server, spider, self.queue_key)
        new_run = self._member("join")
        spider.logger.info(
            "worker %s %s the run on Redis (%d requests queued, %d leased)",
            self.worker,
            "started" if new_run else "joined",
            len(self.queue),
            self.queue.outstanding(),
        )
        self.crawler.signals.connect(self.on_idle, signal=signals.spider_idle)
        self._heartbeat.start(max(self.lease_seconds / 4, 0.2), now=False)

    def close(self, reason: str) -> None:
        for loop in (self._heartbeat, self._poll):
            if loop.running:
                loop.stop()
        self.settle()
        if self.held:  # requests this worker will not finish go back to the others
            self.queue.release(list(self.held.values()))
            self.held.clear()
        if self._member("leave"):
            self.spider.logger.info("last worker out: the run on Redis is over")

    def has_pending_requests(self) -> bool:
        return bool(self.handed_over) or len(self.queue) > 0

    def enqueue_request(self, request: Request) -> bool:
        if request in self.handed_over:  # leased already: see poll()
            return True
        fingerprint = self.df.request_fingerprint(request)
        claim = self.claim_seconds
        if request.dont_filter or request.meta.get(Meta.LINK) not in THREAD_LINKS or self.recheck:
            claim = 0  # retries, start and listing pages; --recheck polls every thread
        args = [fingerprint, -request.priority, self.queue.encode(request)]
        args += [int(request.dont_filter), claim, self.worker]
        keys = [self.df.key, self.queue.key, f"{self.prefix}:claim:{fingerprint}"]
        if not self._push(keys=keys, args=args):
            self.stats.inc_value("archiver/redis/filtered")
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        self.settle()
        if self.handed_over:
            return self.handed_over.popleft()
        if len(self.held) >= self.max_held:  # leave the rest of the queue to other workers
            return None
        popped = self.queue.pop_leased()
        if popped is None:
            return None
        request, token = popped
        self.held[request] = token
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def settle(self) -> None:
        """Acknowledge the leased requests Scrapy has finished with."""
        busy = self._in_flight()
        done = [request for request in self.held if request not in busy]
        if done:
            self.queue.ack([self.held.pop(request) for request in done])
            self.stats.inc_value("archiver/redis/acked", len(done))

    def _in_flight(self) -> set[Request]:
        """Requests handed to the engine, downloading or scraped: a leased one is until done."""
        engine = self.crawler.engine
        busy = set(engine.downloader.active) | set(self.handed_over)
        scraping = engine.scraper.slot
        if scraping is not None:
            busy |= scraping.active | {entry[1] for entry in scraping.queue}
        return busy

    def beat(self) -> None:
        """Keep this worker's leases and membership alive; requeue those of dead workers."""
        try:
            self.settle()
            args = [self.lease_seconds, self.worker, *self.held.values()]
            self._renew(keys=[self.queue.leases_key, self._workers_key], args=args)
            if reaped := self.queue.reap():
                self.stats.inc_value("archiver/redis/requeued", reaped)
                self.spider.logger.info("requeued %d requests of a worker that stopped", reaped)
        except redis.RedisError as error:  # the next beat tries again; leases outlive a blip
            self.spider.logger.warning("Redis heartbeat failed: %s", error)

    def on_idle(self, spider: Spider) -> None:
        """Stay while the run has work: queued requests, or requests other workers hold."""
        self.beat()
        if len(self.queue) or self.queue.outstanding():
            if not self._poll.running:
                self._poll.start(IDLE_POLL_SECONDS, now=False)
            raise DontCloseSpider

    def poll(self) -> None:
        """While idle, take the next request as soon as one is queued (or requeued).

        An idle engine only looks at its scheduler every few seconds; handing it a
        request through `engine.crawl`, as scrapy-redis's RedisSpider does, wakes it.
        """
        engine = self.crawler.engine
        popped = self.queue.pop_leased()
        if popped is None:
            if engine.spider_is_idle() and not len(self.queue) and not self.queue.outstanding():
                self._poll.stop()  # the run has no work left: close now, not at the next check
                deferred_from_coro(engine.close_spider_async(reason="finished"))
            return
        self._poll.stop()
        request, token = popped
        self.held[request] = token
        self.handed_over.append(request)
        engine.crawl(request)

    def _member(self, action: str) -> bool:
        keys = [self._workers_key, self.queue.key, self.queue.leases_key, self.df.key]
        keys += [self.queue.leased_key, self.queue.scores_key]
        return bool(self._membership(keys=keys, args=[action, self.worker, self.lease_seconds]))

    @property
    def _workers_key(self) -> str:
        return f"{self.prefix}:workers"


def _claim_seconds(settings: Any) -> int:  # noqa: ANN401 - scrapy Settings
    """How long a page queued as due stays claimed: the shortest recrawl backoff."""
    policy = Policy.from_text(settings.get("RECRAWL_BACKOFF"), settings.get("RECRAWL_STOP_AFTER"))
    return max(1, int(min(policy.backoff).total_seconds()))

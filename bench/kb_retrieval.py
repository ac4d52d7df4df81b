"""Knowledge retrieval on the voice path: one query against 10,000 chunks, target p95 under 5 ms.

Generates five Markdown documents of roofing-company prose (deterministic, nothing downloaded),
2,000 sections each, so that every section becomes one chunk: 10,000 chunks in all. They go in
through ``KnowledgeBase.ingest`` on an embedded Redis and a local blob store, as in production.
Then it reports the index build, pack and load times, and the latency of 500 queries, both on
the index alone and through ``KnowledgeBase.search`` (which adds the per-search Redis version check).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from core.blobs import LocalBlobStore
from core.redis import EmbeddedRedis, client_for
from kb import KnowledgeBase
from kb.chunking import chunk_sections
from kb.index import SearchIndex
from kb.parsing import parse_document

TARGET_P95_MS = 5.0
DOCUMENTS = 5
SECTIONS_PER_DOCUMENT = 2_000
QUERIES = 500
K = 5
TENANT = "bench"

PRODUCTS = ["Summit Ridge", "Summit Ridge IR", "Heritage Slate", "Prairie 3-Tab", "Cedar Creek standing seam"]
COMPONENTS = [
    "synthetic underlayment", "drip edge", "ridge vent", "pipe boot", "step flashing",
    "counter flashing", "ice and water shield", "starter strip", "hip and ridge cap", "OSB decking",
    "fascia board", "soffit vent", "seamless gutter", "downspout", "valley metal", "skylight curb",
    "chimney cricket", "box vent",
]  # fmt: skip
TOPICS = [
    "warranty", "financing", "hail claim", "wind damage", "inspection", "pricing", "scheduling",
    "permit", "ventilation", "leak repair", "HOA approval", "crew safety", "cleanup", "deposit",
]  # fmt: skip
FIRST = ["Dana", "Mike", "Tony", "Priya", "Luis", "Grace", "Owen", "Rosa", "Ben", "Keisha", "Hank", "Mei"]
LAST = ["Whitfield", "Alvarez", "Russo", "Patel", "Nguyen", "Okafor", "Schmidt", "Brennan", "Castillo"]
STREET_TYPES = ["St", "Ave", "Ln", "Dr", "Ct"]
SYLLABLES = ["bel", "brook", "ced", "ar", "hol", "low", "mar", "ston", "wil", "ridge", "oak", "dale", "fen",
             "ton", "ash", "ford", "glen", "mere", "pike", "ville", "lan", "cas", "ter", "quin"]  # fmt: skip
TEMPLATES = [
    "{product} shingles carry a {years}-year {topic} term when installed with {component}.",
    "In {town}, hail of {size} inches damaged {count} homes along {street}, mostly the {component}.",
    "The adjuster for {name} approved {count} squares of {product} and {sheets} sheets of decking.",
    "Replace the {component} whenever it is cracked, rusted or lifted; it costs about ${price}.",
    "{name} asked about {topic} for the job at {number} {street} in {town}; we sent the {product} brochure.",
    "Crews check the {component} and the {component2} on every {topic} visit and photograph both.",
    "For {topic}, quote {product} at ${price} per square and mention the {years}-year coverage.",
    "A {pitch}/12 roof in {town} needs {component} at every valley and {component2} at the eaves.",
    "Job {job} for {name}: {count} squares, {product}, {topic} paperwork filed on day {day}.",
    "When the homeowner mentions {topic}, explain how the {component} protects the {component2}.",
]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def _sentence(rng: random.Random, towns: Sequence[str], streets: Sequence[str]) -> str:
    component, component2 = rng.sample(COMPONENTS, 2)
    return rng.choice(TEMPLATES).format(
        product=rng.choice(PRODUCTS), component=component, component2=component2, topic=rng.choice(TOPICS),
        years=rng.choice([5, 10, 15, 25, 50]), size=rng.choice(["1", "1.25", "1.75", "2", "2.5"]),
        count=rng.randint(2, 60), sheets=rng.randint(1, 14), price=rng.randint(9, 950) * 5,
        town=rng.choice(towns).title(), street=f"{rng.choice(streets).title()} {rng.choice(STREET_TYPES)}",
        name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", number=rng.randint(100, 9999),
        pitch=rng.randint(3, 12), job=f"J-{rng.randint(10000, 99999)}", day=rng.randint(1, 30),
    )  # fmt: skip


def _documents(rng: random.Random) -> list[tuple[str, str]]:
    """Markdown documents whose sections each fit one chunk (1,100 to 1,450 characters)."""
    towns = [_word(rng) for _ in range(300)]
    streets = [_word(rng) for _ in range(3_000)]
    documents = []
    for number in range(DOCUMENTS):
        parts = [f"# Field notes volume {number + 1}\n"]
        for section in range(SECTIONS_PER_DOCUMENT):
            body, limit = "", rng.randint(1_100, 1_450)
            while True:
                sentence = _sentence(rng, towns, streets)
                if len(body) + len(sentence) + 1 > limit:
                    break
                body = f"{body} {sentence}".strip()
            parts.append(f"## {rng.choice(TOPICS).title()} note {section + 1}\n\n{body}\n")
        documents.append((f"field-notes-{number + 1}.md", "\n".join(parts)))
    return documents


def _queries(rng: random.Random, chunk_texts: Sequence[str]) -> list[str]:
    """Half spoken-style questions, half word runs taken from a chunk (a caller quoting a document)."""
    queries = []
    for _ in range(QUERIES // 2):
        queries.append(
            rng.choice([
                f"what warranty comes with {rng.choice(PRODUCTS)}",
                f"how much does a new {rng.choice(COMPONENTS)} cost",
                f"{rng.choice(TOPICS)} questions from {rng.choice(FIRST)} {rng.choice(LAST)}",
                f"do we need {rng.choice(COMPONENTS)} for a {rng.choice(TOPICS)} job",
            ])
        )  # fmt: skip
        words = rng.choice(chunk_texts).split()
        start = rng.randrange(max(1, len(words) - 8))
        queries.append(" ".join(words[start : start + rng.randint(4, 8)]))
    return queries


def _percentiles(label: str, seconds: Sequence[float]) -> float:
    cuts = statistics.quantiles([s * 1000 for s in seconds], n=100, method="inclusive")
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    print(f"{label:<48} p50 {p50:6.3f} ms   p95 {p95:6.3f} ms   p99 {p99:6.3f} ms")
    return p95


async def _run(work: Path, redis_url: str) -> None:
    rng = random.Random(20_240_611)
    documents = _documents(rng)
    started = time.perf_counter()
    chunks = [
        chunk
        for name, text in documents
        for chunk in chunk_sections(name, name, parse_document(name, text.encode()))
    ]
    chunking_s = time.perf_counter() - started
    print(
        f"chunks: {len(chunks):,} from {len(documents)} documents, "
        f"{statistics.mean(len(chunk.text) for chunk in chunks):,.0f} characters on average "
        f"(parsed and chunked in {chunking_s:.2f} s)"
    )
    started = time.perf_counter()
    index = SearchIndex.build("bench", chunks)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    packed = index.to_bytes()
    pack_s = time.perf_counter() - started
    started = time.perf_counter()
    SearchIndex.from_bytes("bench", packed)
    unpack_s = time.perf_counter() - started
    print(f"index build: {build_s:.2f} s; archive {len(packed) / 1_048_576:.1f} MB, packed in {pack_s:.2f} s")
    print(f"index load from the archive: {unpack_s:.2f} s")

    redis = client_for(redis_url)
    writer = KnowledgeBase(redis, LocalBlobStore(work / "blobs"))
    for name, text in documents:
        started = time.perf_counter()
        await writer.ingest(TENANT, name, text.encode())
    print(f"ingest of the document that takes the index to {len(chunks):,} chunks: "
          f"{time.perf_counter() - started:.2f} s (parse, chunk, rebuild, store, commit)")  # fmt: skip
    reader = KnowledgeBase(redis, LocalBlobStore(work / "blobs"))  # a worker that has loaded nothing yet
    started = time.perf_counter()
    await reader.search(TENANT, "warm up")
    print(f"first search on a fresh worker (fetch and load the index): {time.perf_counter() - started:.2f} s")

    queries = _queries(rng, [chunk.text for chunk in chunks])
    direct = []
    for query in queries:
        started = time.perf_counter()
        index.search(query, K)
        direct.append(time.perf_counter() - started)
    through_service = []
    for query in queries:
        started = time.perf_counter()
        await reader.search(TENANT, query, K)
        through_service.append(time.perf_counter() - started)
    print(f"{len(queries)} queries, k={K}:")
    _percentiles("  index only (tokenize, score, top-k)", direct)
    p95 = _percentiles("  KnowledgeBase.search (+ Redis version GET)", through_service)
    verdict = "PASS" if p95 < TARGET_P95_MS else "FAIL"
    print(f"target: p95 under {TARGET_P95_MS:.0f} ms per query over 10,000 chunks -> {verdict}")
    await redis.aclose()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-kb-") as directory:
        work = Path(directory)
        server = EmbeddedRedis(work / "redis")
        server.start()
        try:
            asyncio.run(_run(work, server.url))
        finally:
            server.stop()

"""Chunking rules: one heading path per chunk, a size ceiling, a short overlap, and nothing lost."""

import itertools
import random
import re

from kb.chunking import CHUNK_CHARS, OVERLAP_CHARS, chunk_sections, split_text
from kb.models import Section
from kb.parsing import parse_document

WORDS = [
    "shingle", "underlayment", "flashing", "ridge", "vent", "decking", "hail", "adjuster", "deductible",
    "warranty", "financing", "gutter", "soffit", "fascia", "valley", "chimney", "skylight", "permit",
    "square", "tear-off", "crew", "inspection", "estimate",
]  # fmt: skip


def _prose(rng: random.Random, sentences: int) -> str:
    return " ".join(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 30))).capitalize() + "."
        for _ in range(sentences)
    )


def _long_document(seed: int) -> str:
    rng = random.Random(seed)
    paragraphs = [_prose(rng, rng.randint(1, 12)) for _ in range(25)]
    paragraphs.append("\n".join(f"- {_prose(rng, 1)}" for _ in range(60)))  # a long list, no blank lines
    paragraphs.append(_prose(rng, 40))  # one paragraph far over the limit
    paragraphs.append("https://example.com/" + "x" * 4000)  # a "word" longer than a chunk
    rng.shuffle(paragraphs)
    return "\n\n".join(paragraphs)


def test_a_short_section_is_one_chunk_with_its_heading_path():
    sections = [Section(("Warranty Tiers", "Gold System"), "Twenty-five years on workmanship.")]
    [chunk] = chunk_sections("doc1", "warranty.md", sections)
    assert chunk.text == "Twenty-five years on workmanship."
    assert (chunk.document_id, chunk.document, chunk.index) == ("doc1", "warranty.md", 0)
    assert chunk.heading_path == ("Warranty Tiers", "Gold System")


def test_markdown_headings_cut_chunks_and_nest_into_paths():
    markdown = (
        "Intro before any heading.\n\n"
        "# Financing\n\nWe offer four plans.\n\n"
        "## Plan A\n\nTwelve months same as cash.\n\n"
        "```bash\n# a shell comment, not a heading\necho hi\n```\n\n"
        "### Fine print\n\nDeferred interest applies.\n\n"
        "## Plan B ##\n\n7.99% APR for ten years.\n\n"
        "# Cash\n\nNo fee for checks.\n"
    )
    chunks = chunk_sections("d", "f.md", parse_document("f.md", markdown.encode()))
    assert [(chunk.heading_path, chunk.text.split("\n")[0]) for chunk in chunks] == [
        ((), "Intro before any heading."),
        (("Financing",), "We offer four plans."),
        (("Financing", "Plan A"), "Twelve months same as cash."),
        (("Financing", "Plan A", "Fine print"), "Deferred interest applies."),
        (("Financing", "Plan B"), "7.99% APR for ten years."),
        (("Cash",), "No fee for checks."),
    ]
    assert "# a shell comment, not a heading" in chunks[2].text
    assert [chunk.index for chunk in chunks] == list(range(6))


def test_no_chunk_is_longer_than_the_limit_and_no_word_is_lost():
    for seed in range(5):
        text = _long_document(seed)
        chunks = split_text(text)
        assert len(chunks) > 5
        assert all(0 < len(chunk) <= CHUNK_CHARS for chunk in chunks)
        assert all(chunk == chunk.strip() for chunk in chunks)
        covered = " ".join(chunks)
        assert not [
            word for word in set(re.findall(r"[\w.-]+", text)) if len(word) < 100 and word not in covered
        ]
        assert covered.count("x") >= 4000  # the over-long "word" was cut, not dropped


def test_consecutive_chunks_overlap_by_a_short_tail_that_starts_on_a_word():
    rng = random.Random(11)
    text = "\n\n".join(_prose(rng, rng.randint(1, 12)) for _ in range(30))
    chunks = split_text(text)
    assert len(chunks) > 5
    for before, after in itertools.pairwise(chunks):
        shared = max(n for n in range(OVERLAP_CHARS + 1) if before.endswith(after[:n]))
        assert OVERLAP_CHARS // 3 <= shared <= OVERLAP_CHARS
        assert before[-shared - 1].isspace()  # the overlap begins at a word, not mid-word


def test_chunks_end_at_paragraph_breaks_when_paragraphs_fit():
    paragraphs = [
        f"Paragraph {n} starts. " + "Shingles shed water well. " * 20 + f"End of {n}." for n in range(8)
    ]
    chunks = split_text("\n\n".join(paragraphs))
    assert len(chunks) >= 3
    for chunk in chunks:
        assert re.search(r"End of \d\.$", chunk)
        assert len(chunk) <= CHUNK_CHARS


def test_overlap_never_crosses_a_heading():
    first = "Alpha facts. " * 200
    second = "Beta facts. " * 200
    chunks = chunk_sections("d", "f.md", [Section(("A",), first.strip()), Section(("B",), second.strip())])
    for chunk in chunks:
        if chunk.heading_path == ("B",):
            assert "Alpha" not in chunk.text
        else:
            assert "Beta" not in chunk.text

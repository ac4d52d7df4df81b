"""Known transcripts: a clip the caller said is found wherever it falls in the audio heard."""

from __future__ import annotations

import pytest

from testkit.said import CallerWords
from testkit.speech import silence_pcm16, speech_pcm16

QUESTION = "What stage is the Rodriguez job in?"
ANSWER = "Yes go ahead"


def test_a_clip_is_heard_at_any_offset_and_alone() -> None:
    words = CallerWords()
    question, answer = speech_pcm16(QUESTION), speech_pcm16(ANSWER)
    words.said(QUESTION, question)
    words.said(ANSWER, answer)

    for lead in (0, 2, 318, 640 * 7 + 2):  # a stream cut anywhere on a sample boundary
        assert words(silence_pcm16(0.5)[:lead] + question + silence_pcm16(0.3), 16000) == QUESTION
    assert words(answer[len(answer) // 3 :], 16000) == ANSWER  # the end of a clip still names it
    assert words(question + silence_pcm16(0.2) + answer, 16000) == f"{QUESTION} {ANSWER}"
    assert words(silence_pcm16(1.0), 16000) == ""


def test_speech_never_said_by_the_caller_is_not_heard() -> None:
    words = CallerWords()
    words.said(QUESTION, speech_pcm16(QUESTION))

    assert words(speech_pcm16("The history of roofing"), 16000) == ""
    with pytest.raises(ValueError, match="16000"):
        words(speech_pcm16(QUESTION, 8000), 8000)
    with pytest.raises(ValueError, match="no speech"):
        words.said("nothing", silence_pcm16(1.0))

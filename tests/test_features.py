"""The hand-made vectorisers against scikit-learn's, and per-sentence features against a plain reading."""

import pytest
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

from vnstance.features.cues import CueFeatures, cue_features
from vnstance.features.cuewords import default_cues, find_cues
from vnstance.features.prepare import prepare
from vnstance.features.terms import NgramCounts
from vnstance.features.views import View


@pytest.fixture(scope="module")
def views(gold):
    prepared = [prepare(t) for t in gold.texts]
    return [View(p, t) for p in prepared for t in (None, "russia", "us")]


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2), (1, 3), (2, 3)])
def test_ngram_tfidf_equals_sklearn_tfidf_over_joined_tokens(views, ngram_range):
    fit, score = views[: len(views) // 2], views[len(views) // 2:]
    ours = TfidfTransformer(sublinear_tf=True).fit(NgramCounts(ngram_range).fit(fit).transform(fit))
    X = ours.transform(NgramCounts(ngram_range).fit(fit).transform(score))
    sk = TfidfVectorizer(token_pattern=r"\S+", ngram_range=ngram_range, sublinear_tf=True).fit([str(v) for v in fit])
    Y = sk.transform([str(v) for v in score])
    assert X.shape == Y.shape and abs(X - Y).max() < 1e-12


def test_cue_features_equal_dictvectorizer(views):
    ours = CueFeatures().fit(views).transform(views)
    dicts = [dict.fromkeys(cue_features(v), 1.0) for v in views]
    theirs = DictVectorizer().fit(dicts).transform(dicts)
    assert ours.shape == theirs.shape and abs(ours - theirs).max() == 0


def _cues_by_syllable(words):
    """The plain reading of find_cues: walk the syllables, try each cue longest first."""
    phrases = sorted(((ph, cls) for entries in default_cues().by_first.values() for ph, cls in entries),
                     key=lambda c: -len(c[0]))
    syl = [(i, s) for i, w in enumerate(words) for s in w.split("_")]
    found, k = [], 0
    while k < len(syl):
        for phrase, cls in phrases:
            window = tuple(s for _, s in syl[k:k + len(phrase)])
            whole = len(phrase) > 1 or "_" not in words[syl[k][0]]
            if window == phrase and whole:
                found.append((syl[k][0], cls))
                k += len(phrase)
                break
        else:
            k += 1
    return tuple(found)


def test_find_cues_matches_the_plain_reading(gold):
    cases = [list(prepare(t).tokens) for t in gold.texts]
    cases += [["yếu_tố", "tố_cáo"], ["tố", "cáo"], ["không", "tố"], ["bị_cáo_buộc"], [], [""]]
    for words in cases:
        assert find_cues(words) == _cues_by_syllable(words), words


def test_cues_see_through_masking():
    p = prepare("Mỹ cáo buộc Nga không ủng hộ ngừng bắn")
    tokens = View(p, "russia").tokens
    assert tokens[0] == "other" and tokens[tokens.index("cáo_buộc") + 1] == "target"
    feats = cue_features(View(p, "russia"))
    assert "cue=against|after_other" in feats and "cue=against|before_target" in feats
    assert "cue=against|after_target" in cue_features(View(p, "us"))
    assert not any("target" in f for f in cue_features(View(p)))  # the unmasked view has no target
    assert [(m.target, p.tokens[m.start], m.surface) for m in p.mentions] == [("us", "mỹ", "Mỹ"), ("russia", "nga", "Nga")]

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
    assert "cue=attitude_against|after_other" in feats and "cue=attitude_against|before_target" in feats
    assert "cue=attitude_against|after_target" in cue_features(View(p, "us"))
    assert not any("target" in f for f in cue_features(View(p)))  # the unmasked view has no target
    assert [(m.target, p.tokens[m.start], m.surface) for m in p.mentions] == [("us", "mỹ", "Mỹ"), ("russia", "nga", "Nga")]


def _positions_by_pairs(view, window=5):
    """The plain reading of the position features: every cue against every mention."""
    targets, others = view.places()
    negators = {i for i, c in view.prepared.cues if c == "negator"}
    out = set()
    for i, cls in view.prepared.cues:
        if cls in ("negator", "contrast", "speech"):
            continue
        key = f"cue=not_{cls}" if (i - 1 in negators or i - 2 in negators) else f"cue={cls}"
        for label, places in (("target", targets), ("other", others)):
            for p in places:
                if 0 < i - p <= window:
                    out.add(f"{key}|after_{label}")
                elif 0 < p - i <= window:
                    out.add(f"{key}|before_{label}")
    return out


def test_cue_positions_match_the_pairwise_reading(views):
    for v in views:
        ours = {f for f in cue_features(v) if f.endswith(("_target", "_other")) and f.startswith("cue=")
                and ("|after_" in f or "|before_" in f) and "contrast" not in f}
        assert ours == _positions_by_pairs(v), str(v)


def test_cue_features_are_linear_in_sentence_length():
    """A sentence of thousands of mentions and cues (a quadratic pairing took minutes on a 2 MB
    line): its features are those of three repeats of its unit, which already hold every context
    a unit can have, and its positions agree with the pairwise reading."""
    unit = "Nga cáo buộc Mỹ vi phạm thỏa thuận , "
    big, small = prepare(unit * 2000), prepare(unit * 3)
    assert len(big.mentions) == 4000
    assert set(cue_features(View(big, "us"))) == set(cue_features(View(small, "us")))
    mid = prepare(unit * 300)
    ours = {f for f in cue_features(View(mid, "us")) if "|after_" in f or "|before_" in f}
    assert ours - {f for f in ours if "contrast" in f} == _positions_by_pairs(View(mid, "us"))


@pytest.mark.parametrize("text, target, present, absent", [
    ("Mỹ cáo buộc Nga vi phạm lệnh ngừng bắn", "russia", ["cue=attitude_against|target_object",
                                                       "cue=attitude_against|other_agent"], ["no_attitude_cue"]),
    ("Mỹ cáo buộc Nga vi phạm lệnh ngừng bắn", "us", ["cue=attitude_against|target_agent"], []),
    ("Vụ cháy rừng ở Siberia khiến hàng nghìn người Nga phải sơ tán", "russia",
     ["no_attitude_cue", "event_without_attitude"], []),
    ("Nga bị chỉ trích vì vụ thử tên lửa", "russia", ["cue=attitude_against|target_object"],
     ["cue=attitude_against|target_agent"]),
    ("Mỹ gửi lời chia buồn tới nhân dân Nga", "russia", ["cue=sympathy|target_object"], []),
    ("Bộ Ngoại giao Nga cho biết Mỹ đã vi phạm thỏa thuận", "us", ["cue=act_against|said_by_other"], []),
])
def test_cue_roles(text, target, present, absent):
    feats = cue_features(View(prepare(text), target))
    for f in present:
        assert f in feats, (f, feats)
    for f in absent:
        assert f not in feats, (f, feats)


def test_merged_classes_name_the_old_ones():
    feats = cue_features(View(prepare("Mỹ cáo buộc Nga"), "russia"), split=False)
    assert "cue=against|before_target" in feats and not any("attitude" in f for f in feats)


@pytest.mark.parametrize("make", [lambda: NgramCounts((1, 2)), CueFeatures])
def test_term_counts_survive_a_joblib_round_trip(views, make, tmp_path):
    """The vocabulary is pickled in a compact form (terms.py): it must come back the same
    dict, giving the same matrix, and sklearn's clone must still see the parameters."""
    import joblib
    from sklearn.base import clone

    fitted = make().fit(views)
    joblib.dump(fitted, tmp_path / "t.joblib", compress=3)
    back = joblib.load(tmp_path / "t.joblib")
    assert back.vocabulary_ == fitted.vocabulary_ and len(back.vocabulary_) > 100
    assert "vocabulary_json_" not in vars(back)
    assert abs(back.transform(views) - fitted.transform(views)).max() == 0
    assert clone(back).get_params() == fitted.get_params()

import pytest

from vnstance.eval.metrics import mention_metrics
from vnstance.features.prepare import prepare
from vnstance.schema import DEFAULT


def found(text: str) -> dict[str, list[str]]:
    p = prepare(text)
    return {t: p.mentions_of(t) for t in DEFAULT.targets}


@pytest.mark.parametrize("text, russia, us", [
    ("Nga tiếp tục cáo buộc Mỹ hậu thuẫn khủng bố", ["Nga"], ["Mỹ"]),
    ("Lầu Năm Góc và Nhà Trắng im lặng", [], ["Lầu Năm Góc", "Nhà Trắng"]),
    ("Ngoại trưởng Mỹ John Kerry gặp Ngoại trưởng Sergei Lavrov", ["Lavrov"], ["Mỹ", "Kerry"]),
    ("Điện Kremlin cáo buộc Washington", ["Kremlin"], ["Washington"]),
    ("Quan hệ Mỹ-Nga căng thẳng", ["Nga"], ["Mỹ"]),
    ("Liên Xô can thiệp vào Afghanistan", ["Liên Xô"], []),
    ("Hoa Kỳ và Liên bang Nga", ["Liên bang Nga"], ["Hoa Kỳ"]),
    ("NGA CẢNH BÁO MỸ", ["NGA"], ["MỸ"]),
])
def test_targets_found(text, russia, us):
    assert found(text) == {"russia": russia, "us": us}


@pytest.mark.parametrize("text", [
    "Ca sĩ Mỹ Tâm ra mắt album mới",
    "Phương pháp thẩm mỹ làm phẳng nếp nhăn",
    "Mỹ phẩm Hàn Quốc bán chạy",
    "Hôm qua chị Nga đi chợ từ sớm",
    "Thành phố Mỹ Tho đón khách",
    "Du lịch châu Mỹ và Nam Mỹ",
    "Mỹ nhân ngoan xinh yêu nhất Trung Quốc",
    "Tay vợt vô địch giải Mỹ mở rộng",
    "Tờ Washington Post đưa tin",
])
def test_not_the_targets(text):
    assert found(text) == {"russia": [], "us": []}


def test_mention_detection_on_gold(gold):
    """Issue target: mention detection (none vs not none) F1 >= 0.95 per target on the seed gold."""
    for t in DEFAULT.targets:
        pred = ["neutral" if prepare(e.text).mentions_of(t) else "none" for e in gold.examples]
        assert mention_metrics(gold.column(t), pred)["f1"] >= 0.95, t


@pytest.mark.parametrize("text, russia, us", [
    ("Tuy nhiên, đoàn lãnh đạo cấp cao của Nga đã bị Washignton từ chối.", ["Nga"], ["Washignton"]),  # seed 003
    ("Điện Kremiln bác bỏ cáo buộc", ["Kremiln"], []),  # a swap
    ("Matxcova lên tiếng", ["Matxcova"], []),  # a tone mark lost
    ("Bộ trưởng Blinkn đến Hà Nội", [], ["Blinkn"]),  # a letter left out
    ("Ngoại trưởng Lavrov gặp Tilllerson", ["Lavrov"], ["Tilllerson"]),  # a letter added
])
def test_long_names_are_found_with_one_typo(text, russia, us):
    assert found(text) == {"russia": russia, "us": us}


@pytest.mark.parametrize("text", [
    "Medvedeva giành huy chương vàng",  # another name: the last letter differs
    "Ông Zakharov phát biểu",
    "Trumo phát biểu",  # short names are matched exactly only
    "Wahsingotn phát biểu",  # two typos
    "washignton phát biểu",  # not capitalised: not a name
    "Kremlinova phát biểu",  # three letters more
    "Theo Washignton Post, ông nói",  # a blocked phrase, misspelt
])
def test_other_names_are_not_typos(text):
    assert found(text) == {"russia": [], "us": []}


@pytest.mark.parametrize("text, russia, us", [
    ("WASHIGNTON BÁC BỎ CÁO BUỘC CỦA NGA", ["NGA"], ["WASHIGNTON"]),  # an all-caps headline, a swap
    ("ĐIỆN KREMILN LÊN TIẾNG", ["KREMILN"], []),
    ("MATXCOVA LÊN TIẾNG", ["MATXCOVA"], []),  # Ơ lost
    ("TILLLERSON ĐẾN HÀ NỘI", [], ["TILLLERSON"]),  # a letter added
    ("THEO WASHIGNTON POST, ÔNG NÓI", [], []),  # still a blocked phrase
    ("CLIFTON PHÁT BIỂU", [], []),  # another name (a substitution far on the keyboard)
])
def test_all_caps_names_are_found_with_one_typo(text, russia, us):
    assert found(text) == {"russia": russia, "us": us}


@pytest.mark.parametrize("text, russia, us", [
    ("Washinfton lên tiếng", [], ["Washinfton"]),  # g -> f: neighbours on the keyboard
    ("Điện Kremkin lên tiếng", ["Kremkin"], []),  # l -> k
    ("Matxcôva lên tiếng", ["Matxcôva"], []),  # another diacritic on the same letter
    # real surnames (US census) one letter changed from a name, far apart on the keyboard
    ("Ông Clifton phát biểu", [], []),
    ("Ông Clanton phát biểu", [], []),
    ("Ông Helseth phát biểu", [], []),
    ("Ông Wilkoff phát biểu", [], []),
])
def test_a_changed_letter_is_a_typo_only_for_a_neighbouring_key_or_another_diacritic(text, russia, us):
    assert found(text) == {"russia": russia, "us": us}


@pytest.mark.parametrize("extra, words, russia, us", [
    # "Wikoff", a real surname one letter short of "Witkoff", is a syllable of a blocking
    # phrase: the phrase blocks, "Wikoff" is not corrected into the US envoy
    ({"not_mentions": {"phrases": ["Bob Wikoff"]}}, ["Ông", "Bob Wikoff", "phát biểu"], [], []),
    # ... or of an alias of another target (a user's lexicon): that alias, not "Witkoff"
    ({"russia": {"words": ["Nga"], "names": ["Oleg Wikoff"]}}, ["Ông", "Oleg Wikoff", "phát biểu"],
     ["Oleg Wikoff"], []),
])
def test_a_syllable_of_any_alias_or_blocking_phrase_is_not_a_typo(extra, words, russia, us):
    from vnstance.features.mentions import find_mentions, load_lexicon

    _, mentions = find_mentions(words, load_lexicon(extra=extra))
    assert {t: [m.surface for m in mentions if m.target == t] for t in DEFAULT.targets} == {"russia": russia, "us": us}


def _damerau_levenshtein(a: str, b: str) -> int:
    """The textbook dynamic programme (optimal string alignment), as the reference."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def test_one_edit_equals_the_dynamic_programme():
    import random

    from vnstance.features.mentions import _one_edit

    rng = random.Random(0)
    words = ["Washington", "Kremlin", "Matxcơva", "abab", "aab", ""]
    for _ in range(3000):
        a = rng.choice(words)
        b = list(a)
        for _ in range(rng.choice([0, 1, 1, 2])):  # zero, one or two random edits
            op, i = rng.choice("dist"), rng.randrange(len(b) + 1)
            if op == "d" and i < len(b):
                del b[i]
            elif op == "i":
                b.insert(i, rng.choice("abngo"))
            elif op == "s" and i < len(b):
                b[i] = rng.choice("abngo")
            elif op == "t" and i + 1 < len(b):
                b[i], b[i + 1] = b[i + 1], b[i]
        b = "".join(b)
        assert _one_edit(a, b) == (_damerau_levenshtein(a, b) == 1), (a, b)

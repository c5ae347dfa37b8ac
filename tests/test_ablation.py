"""The ablation module's document writing and its speed floor, with the CV replaced by fake
figures (a real CV takes minutes)."""

from __future__ import annotations

import pytest
import underthesea

from vnstance.eval import ablation
from vnstance.eval.ablation import BEGIN, END

DEFAULT = "full model (the default)"
GATE = "full − mention gate"
CHARS = "full + character n-grams"


def fake(name: str, f: float, speed: tuple[float, float] | None = None) -> dict:
    row = {"name": name, "params": {}, "authored": True, "f_avg": f, "f_avg_ci": [f - 0.1, f + 0.1],
           "false_alarm": 0.05, "russia_macro_f1": 0.6, "us_macro_f1": 0.7, "sentiment_macro_f1": 0.65}
    if speed:
        row["speed"] = {"predict_per_s": speed[0], "segmentation_per_s": speed[1]}
    return row


def accuracy_rows(text: str) -> dict[str, str]:
    """configuration -> f_avg cell of the accuracy table between the markers."""
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    out = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 7 and cells[0] != "configuration" and not cells[0].startswith("---"):
            out[cells[0]] = cells[1]
    return out


BEFORE = "# Ablation\n\nHand-written intro, kept.\n\n"
AFTER = "\n## Reading it\n- a hand-written reading, kept.\n"


def doc(tmp_path, rows: list[dict]):
    path = tmp_path / "ablation.md"
    path.write_text(BEFORE + BEGIN + "\n" + ablation.markdown(rows) + END + "\n" + AFTER, encoding="utf-8")
    return path


def test_rows_merge_into_the_table_and_the_text_around_is_kept(tmp_path):
    path = doc(tmp_path, [fake(DEFAULT, 0.5, (1000, 2000)), fake(GATE, 0.4), fake("a hand row", 0.3)])
    ablation.write_markdown(str(path), [fake(GATE, 0.45), fake(CHARS, 0.55)], merge_rows=True)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(BEFORE + BEGIN + "\n") and text.endswith(END + "\n" + AFTER)
    rows = accuracy_rows(text)
    assert rows == {DEFAULT: "0.500", GATE: "0.450", CHARS: "0.550", "a hand row": "0.300"}
    # ROWS' order for known rows (character n-grams come after the mention gate), others after
    assert list(rows) == [DEFAULT, GATE, CHARS, "a hand row"]
    # the default's speed line was not measured this time and is kept
    assert "| full model (the default) | 1000 | 2000 | 0.50x |" in text


def test_a_timed_row_measured_again_replaces_its_speed_line(tmp_path):
    path = doc(tmp_path, [fake(DEFAULT, 0.5, (1000, 2000)), fake(GATE, 0.4)])
    ablation.write_markdown(str(path), [fake(DEFAULT, 0.52, (1500, 1000))], merge_rows=True)
    text = path.read_text(encoding="utf-8")
    assert "| full model (the default) | 1500 | 1000 | 1.50x |" in text
    assert "| 1000 | 2000 |" not in text
    assert accuracy_rows(text) == {DEFAULT: "0.520", GATE: "0.400"}


def test_without_rows_the_table_is_regenerated_whole(tmp_path):
    path = doc(tmp_path, [fake(DEFAULT, 0.5), fake(GATE, 0.4)])
    ablation.write_markdown(str(path), [fake(CHARS, 0.55)], merge_rows=False)
    text = path.read_text(encoding="utf-8")
    assert accuracy_rows(text) == {CHARS: "0.550"}
    assert text.startswith(BEFORE) and text.endswith(AFTER)


def test_a_new_file_gets_the_table_between_markers(tmp_path):
    path = tmp_path / "new.md"
    ablation.write_markdown(str(path), [fake(GATE, 0.4)], merge_rows=True)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(BEGIN + "\n") and text.rstrip().endswith(END)
    assert accuracy_rows(text) == {GATE: "0.400"}


def test_main_merges_the_selected_rows(tmp_path, monkeypatch):
    path = doc(tmp_path, [fake(DEFAULT, 0.5), fake(GATE, 0.4)])
    seen = []

    def run(rows):
        seen.extend(name for name, _, _ in rows)
        return [fake(name, 0.6) for name, _, _ in rows]

    monkeypatch.setattr(ablation, "run", run)
    ablation.main(["--rows", "mention gate", "--markdown", str(path)])
    assert seen == [GATE]
    assert accuracy_rows(path.read_text(encoding="utf-8")) == {DEFAULT: "0.500", GATE: "0.600"}


@pytest.mark.parametrize("body", ["# Ablation\nno markers here\n", f"# A\n{END}\n{BEGIN}\n",
                                  f"# A\n{BEGIN}\nno end\n"])
def test_a_file_without_both_markers_is_a_one_line_error_before_any_cv(tmp_path, monkeypatch, capsys, body):
    path = tmp_path / "ablation.md"
    path.write_text(body, encoding="utf-8")
    monkeypatch.setattr(ablation, "run", lambda rows: pytest.fail("ran a CV for a file it cannot write"))
    with pytest.raises(SystemExit) as e:
        ablation.main(["--rows", "mention gate", "--markdown", str(path)])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(path) in err and BEGIN in err
    assert path.read_text(encoding="utf-8") == body
    assert [p.name for p in tmp_path.iterdir()] == ["ablation.md"]  # no temp file left


def test_rows_that_match_nothing_are_a_one_line_error(monkeypatch, capsys):
    monkeypatch.setattr(ablation, "run", lambda rows: pytest.fail("ran with no rows"))
    with pytest.raises(SystemExit) as e:
        ablation.main(["--rows", "no such lever"])
    assert e.value.code == 2
    assert "no such lever" in capsys.readouterr().err


def test_the_speed_floor_is_underthesea_word_tokenize(monkeypatch):
    """Not segment.segment, which computes the same words faster than underthesea."""

    class Pipe:
        def predict_proba(self, texts):
            return None

    tokenized = []
    monkeypatch.setattr(ablation, "fit", lambda train, seed, **params: Pipe())
    monkeypatch.setattr(underthesea, "word_tokenize", lambda text: tokenized.append(text) or [text])
    monkeypatch.setattr(ablation.segment, "_tokenize", lambda text: pytest.fail("timed segment.segment"))
    texts = ["Nga và Mỹ", "Mỹ hoan nghênh"]
    speed = ablation._sentences_per_second(texts, {}, None)
    assert tokenized[-2:] == texts and len(tokenized) == 3  # one warm-up call, then each sentence
    assert speed["segmentation_per_s"] > 0 and speed["predict_per_s"] > 0


def test_merging_gives_the_table_of_all_the_rows(tmp_path):
    """Merged into a table with a speed section, the rows read as if generated together."""
    gate, chars = fake(GATE, 0.4), fake(CHARS, 0.55, (900, 1800))
    path = doc(tmp_path, [fake(DEFAULT, 0.5, (1000, 2000)), fake(GATE, 0.3)])
    ablation.write_markdown(str(path), [chars], merge_rows=True)
    ablation.write_markdown(str(path), [gate], merge_rows=True)
    expected = ablation.markdown([fake(DEFAULT, 0.5, (1000, 2000)), gate, chars])
    assert path.read_text(encoding="utf-8") == BEFORE + BEGIN + "\n" + expected + END + "\n" + AFTER

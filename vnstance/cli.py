"""The `vnstance` command: thin wrappers that parse options and call plain functions.

User errors (bad files, bad labels, a model that fails its digest check) end in one line on
stderr and exit status 2; a failed --fail-under gate exits 1.
"""

from __future__ import annotations

import sys
import warnings

import click

from . import __version__
from .dataset import DEFAULT_TRAIN, GOLD_PATH
from .errors import VnstanceError
from .inputs import FORMATS, ReadStats, read_items
from .model.artifact import DEFAULT_MODEL
from .outputs import OUTPUT_FORMATS, JsonlWriter, TableWriter, output_stream, record
from .schema import HEADS, LABELS


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> str:
    return f"vnstance: warning: {message}\n"


class _Group(click.Group):
    """Usage errors, user errors and Ctrl-C each end in one line, never a traceback."""

    def main(self, args=None, prog_name=None, **extra):
        warnings.formatwarning = _one_line_warning
        try:
            return super().main(args=args, prog_name=prog_name, standalone_mode=False, **extra)
        except click.UsageError as e:
            cmd = f" {e.ctx.command.name}" if e.ctx and e.ctx.command and e.ctx.command is not self else ""
            click.echo(f"vnstance: error: {e.format_message()} (see `vnstance{cmd} --help`)", err=True)
            sys.exit(2)
        except click.ClickException as e:
            click.echo(f"vnstance: error: {e.format_message()}", err=True)
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("vnstance: interrupted", err=True)
            sys.exit(130)
        except VnstanceError as e:
            click.echo(f"vnstance: error: {e}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("vnstance: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (`| head`): not an error
            sys.exit(0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vnstance")
def main() -> None:
    """Stance toward Russia and the US, and sentiment, for each sentence of Vietnamese news."""


def _counts_table(counts: dict[str, dict[str, int]]) -> str:
    lines = []
    for h in HEADS:
        cells = "  ".join(f"{lab}={counts[h][lab]}" for lab in LABELS[h])
        lines.append(f"  {h:<9} {cells}")
    return "\n".join(lines)


@main.command()
@click.option("--data", "data", multiple=True, type=click.Path(dir_okay=False),
              help="Labelled JSONL file; repeat to concatenate. Default: the shipped seed gold + both authored sets.")
@click.option("--out", default=str(DEFAULT_MODEL), show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the model (and its .sha256 beside it).")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
def train(data: tuple[str, ...], out: str, seed: int) -> None:
    """Train a model on labelled sentences and save it."""
    from .model.train import train as train_model

    paths = list(data) or [str(p) for p in DEFAULT_TRAIN]
    result = train_model(paths, out, seed)
    meta = result.model.meta
    click.echo(f"trained on {len(result.data)} sentences from {', '.join(paths)}")
    click.echo(_counts_table(result.data.label_counts()))
    click.echo(f"model: {result.path} (sha256 {result.model.sha256}, {meta['train_seconds']} s)")


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--model", "model_path", default=str(DEFAULT_MODEL), show_default=True,
              type=click.Path(dir_okay=False), help="Model file (its recorded digest is checked first).")
@click.option("--input-format", "input_format", type=click.Choice(FORMATS), default="lines", show_default=True,
              help="lines: one sentence a line; jsonl: objects with \"text\" (and \"id\"); article: raw article text.")
@click.option("--format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="jsonl", show_default=True,
              help="Output: JSON Lines, or an aligned table for reading in a terminal.")
@click.option("--output", "-o", default=None, type=click.Path(dir_okay=False, allow_dash=True),
              help="Write here instead of stdout (atomically: no partial file on error or Ctrl-C).")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(min=0),
              help="Worker processes; 0 = all cores. Output order is input order either way.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: only when stderr is a terminal).")
@click.option("--quiet", "-q", is_flag=True, help="Nothing on stderr but errors.")
def predict(inputs: tuple[str, ...], model_path: str, input_format: str, output_format: str,
            output: str | None, jobs: int, progress: bool | None, quiet: bool) -> None:
    """Label sentences from files or stdin ('-'), one output line per sentence, in input order."""
    from .model.api import load_model, settle
    from .model.parallel import predict_parallel, resolve_jobs
    from .model.predict import predict_items

    if quiet:
        warnings.simplefilter("ignore")
    model = load_model(model_path)
    settle()
    stats = ReadStats()
    items = read_items(inputs, input_format, stats)  # no INPUT: stdin
    jobs = resolve_jobs(jobs)
    results = predict_items(model, items) if jobs == 1 else predict_parallel(model, model_path, items, jobs)
    show = not quiet and (progress if progress is not None else sys.stderr.isatty())
    with output_stream(output) as stream, _progress(show) as bar:
        writer = TableWriter(stream) if output_format == "table" else JsonlWriter(stream)
        for item, pred in results:
            writer.write(record(item, pred))
            bar.update(1)
    if stats.skipped_empty and not quiet:
        click.echo(f"vnstance: skipped {stats.skipped_empty} empty line(s)", err=True)


def _progress(show: bool):
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: the pool may fork while the bar is open
    return tqdm(disable=not show, unit=" sent", file=sys.stderr, mininterval=0.5, dynamic_ncols=True)


@main.command()
@click.option("--model", "model_path", default=str(DEFAULT_MODEL), show_default=True,
              type=click.Path(dir_okay=False), help="Model to benchmark.")
@click.option("--sentences", default=20_000, show_default=True, type=click.IntRange(min=1),
              help="Corpus size, built from the shipped sentences (each made distinct).")
@click.option("--jobs", "-j", default=2, show_default=True, type=click.IntRange(min=0),
              help="Jobs for the parallel run; 0 = all cores.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write the figures here.")
def bench(model_path: str, sentences: int, jobs: int, json_path: str | None) -> None:
    """Throughput and memory of predict, against underthesea segmentation alone."""
    from . import bench as b

    result = b.run(model_path, sentences, jobs)
    click.echo(b.table(result))
    if json_path:
        b.write_json(result, json_path)
        click.echo(f"json: {json_path}")


@main.command("eval")
@click.option("--model", "model_path", default=str(DEFAULT_MODEL), show_default=True, type=click.Path(dir_okay=False),
              help="Model to score (ignored with --cv, which trains its own per fold).")
@click.option("--data", "data_path", default=str(GOLD_PATH), show_default=True, type=click.Path(dir_okay=False),
              help="Labelled JSONL to score.")
@click.option("--cv", is_flag=True, help="Cross-validate by doc group (leave one article out) instead of scoring --model.")
@click.option("--train-extra", multiple=True, type=click.Path(dir_okay=False),
              help="Training-only labelled JSONL, added to every fold's training data, never scored. Repeatable.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the JSON report here.")
@click.option("--markdown", "markdown_path", type=click.Path(dir_okay=False), help="Write the Markdown report here.")
@click.option("--plots", "plots_dir", type=click.Path(file_okay=False), help="Write confusion-matrix PNGs here (needs matplotlib).")
@click.option("--fail-under", multiple=True, metavar="METRIC=VALUE",
              help="Exit 1 if METRIC is below VALUE; @FILE reads floors from a file. Repeatable.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed for --cv training.")
def eval_command(model_path: str, data_path: str, cv: bool, train_extra: tuple[str, ...], report_path: str | None,
                 markdown_path: str | None, plots_dir: str | None, fail_under: tuple[str, ...], seed: int) -> None:
    """Score a model on labelled sentences, or cross-validate; print a summary, write reports, gate."""
    from .eval import gate, report
    from .eval.evaluate import evaluate

    floors = gate.parse_floors(fail_under)  # bad floors fail before minutes of work
    result = evaluate(data_path, model_path, cv=cv, train_extra=train_extra, seed=seed)
    click.echo(report.summary(result))
    if report_path:
        report.write_json(result, report_path)
        click.echo(f"report: {report_path}")
    if markdown_path:
        report.write_markdown(result, markdown_path)
        click.echo(f"markdown: {markdown_path}")
    if plots_dir:
        for p in report.write_plots(result, plots_dir):
            click.echo(f"plot: {p}")
    failures = gate.check(result, floors)
    for f in failures:
        click.echo(f"vnstance: gate failed: {f}", err=True)
    if failures:
        sys.exit(1)
    if floors:
        click.echo(f"gate passed: {len(floors)} floor(s) met")


@main.command("check")
@click.option("--model", "model_path", default=str(DEFAULT_MODEL), show_default=True, type=click.Path(dir_okay=False),
              help="Model to test.")
@click.option("--cases", "cases_path", default=None, type=click.Path(dir_okay=False),
              help="Contrast set (JSONL); default: the shipped seeds/contrast.jsonl.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the JSON report here.")
@click.option("--fail-under", "fail_under", type=click.FloatRange(0, 1), default=None, metavar="RATE",
              help="Exit 1 if the pass rate over all cases is below RATE (0-1).")
def check_command(model_path: str, cases_path: str | None, report_path: str | None, fail_under: float | None) -> None:
    """Behavioural tests: run the contrast set and print the pass rate per test type."""
    from .eval import contrast, report

    result = contrast.check(model_path, cases_path or contrast.CASES_PATH)
    click.echo(contrast.summary(result))
    if report_path:
        report.write_json(result, report_path)
        click.echo(f"report: {report_path}")
    if fail_under is not None:
        if result["pass_rate"] < fail_under:
            click.echo(f"vnstance: gate failed: pass rate {result['pass_rate']:.4f} is below its floor "
                       f"{fail_under:.4f}", err=True)
            sys.exit(1)
        click.echo(f"gate passed: pass rate {result['pass_rate']:.4f} >= {fail_under:.4f}")


@main.command()
@click.option("--model", "model_path", default=str(DEFAULT_MODEL), show_default=True,
              type=click.Path(dir_okay=False), help="Model to serve (its digest is checked at start).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (only this machine by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1), help="Worker processes.")
@click.option("--max-sentences", default=256, show_default=True, type=click.IntRange(min=1), help="Per request.")
@click.option("--max-bytes", default=64 * 1024, show_default=True, type=click.IntRange(min=1), help="Request body size.")
@click.option("--max-chars", default=2000, show_default=True, type=click.IntRange(min=1), help="Per sentence.")
def serve(model_path: str, host: str, port: int, workers: int, max_sentences: int, max_bytes: int,
          max_chars: int) -> None:
    """Serve the model over HTTP: POST /v1/predict, GET /healthz, /readyz, /v1/model, /docs."""
    try:
        import uvicorn

        from . import service
    except ImportError:
        raise VnstanceError("vnstance serve needs the serve extra: pip install 'vnstance[serve]'") from None
    import json
    import os

    from .model.api import load_model, settle

    model = load_model(model_path)  # refuse a bad model before binding the port
    settle()  # no full garbage collection walking the model in the middle of a request
    limits = service.Limits(max_sentences, max_bytes, max_chars)
    service.configure_access_log()
    click.echo(f"vnstance: serving model {model.sha256} on http://{host}:{port} (docs at /docs)", err=True)
    if workers == 1:
        uvicorn.run(service.create_app(model, limits), host=host, port=port, access_log=False, log_level="warning")
    else:
        os.environ[service.ENV_MODEL] = model_path
        os.environ[service.ENV_LIMITS] = json.dumps({"max_sentences": max_sentences, "max_bytes": max_bytes,
                                                     "max_chars": max_chars})
        uvicorn.run("vnstance.service:app_from_env", factory=True, host=host, port=port, workers=workers,
                    access_log=False, log_level="warning")


if __name__ == "__main__":  # pragma: no cover
    main()

"""The `vnstance` command: thin wrappers that parse options and call plain functions.

User errors (bad files, bad labels, a model that fails its digest check) end in one line on
stderr and exit status 2; a failed --fail-under gate exits 1.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import click

from . import __version__
from .dataset import DEFAULT_TRAIN, GOLD_PATH
from .errors import VnstanceError
from .inputs import FORMATS, ReadStats, read_items
from .model.artifact import DEFAULT_MODEL
from .tables import TABLE_FORMATS
from .outputs import BINARY_FORMATS, OUTPUT_FORMATS, make_writer, output_stream, record
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
              help="Labelled JSONL file; repeat to concatenate. Default: the shipped seed gold + authored set.")
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
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--model", "model_path", default=str(DEFAULT_MODEL), show_default=True,
              type=click.Path(dir_okay=False), help="Model file (its recorded digest is checked first).")
@click.option("--input-format", "input_format", type=click.Choice(FORMATS + TABLE_FORMATS), default=None,
              help="lines: one sentence a line; jsonl: objects with \"text\" (and \"id\"); article: raw article text; "
                   "csv/tsv/parquet: a table with a header. Default: by file extension (.csv .tsv .parquet), else "
                   "lines; a folder is read as .txt articles.")
@click.option("--text-column", default=None, help="Table column holding the text. Default: text (body with --article).")
@click.option("--id-column", default=None, help="Table column holding the row's id (the article id with --article).")
@click.option("--article", is_flag=True, help="Each table row's text is a raw article: split it into sentences.")
@click.option("--format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="jsonl", show_default=True,
              help="Output: JSON Lines, an aligned table for a terminal, CSV or Parquet (scores as columns).")
@click.option("--output", "-o", default=None, type=click.Path(allow_dash=True),
              help="Write here instead of stdout (atomically: no partial file on error or Ctrl-C). "
                   "With --engine dask: a folder, one Parquet file per partition.")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(min=0),
              help="Worker processes; 0 = all cores. Output order is input order either way.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: only when stderr is a terminal).")
@click.option("--quiet", "-q", is_flag=True, help="Nothing on stderr but errors.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: label each partition (a Parquet row group, a file of a glob) on a Dask cluster into "
                   "a Parquet folder (-o DIR); needs the dask extra.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --engine dask: the scheduler of an existing cluster (tcp://host:8786). "
                   "Default: a local cluster of --jobs processes (0 or unset: one per core).")
@click.option("--resume", is_flag=True, help="With --engine dask: keep the complete partitions already in -o DIR.")
@click.option("--ship-model", is_flag=True,
              help="With --engine dask: send the model's bytes to each worker once (digest checked there) "
                   "instead of having workers read --model from shared storage.")
@click.pass_context
def predict(ctx: click.Context, inputs: tuple[str, ...], model_path: str, input_format: str | None,
            text_column: str | None, id_column: str | None, article: bool, output_format: str, output: str | None,
            jobs: int, progress: bool | None, quiet: bool, engine: str, scheduler: str | None, resume: bool,
            ship_model: bool) -> None:
    """Label sentences from files, folders or stdin ('-'), one output row per sentence, in input order."""
    from .model.api import load_model, settle
    from .model.parallel import predict_parallel, resolve_jobs
    from .model.predict import predict_items

    if quiet:
        warnings.simplefilter("ignore")
    if engine == "dask":
        _predict_dask(ctx, inputs, model_path, input_format, text_column, id_column, article, output_format, output,
                      jobs, progress, quiet, scheduler, resume, ship_model)
        return
    if scheduler or resume or ship_model:
        raise click.UsageError("--scheduler, --resume and --ship-model apply to --engine dask")
    if output and output != "-" and Path(output).is_dir():
        raise click.UsageError(f"--output {output} is a folder: give a file name (folders are for --engine dask)")
    model = load_model(model_path)
    settle()
    stats = ReadStats()
    items = _predict_items(inputs, input_format, text_column, id_column, article, stats)
    jobs = resolve_jobs(jobs)
    results = predict_items(model, items) if jobs == 1 else predict_parallel(model, model_path, items, jobs)
    show = not quiet and (progress if progress is not None else sys.stderr.isatty())
    with output_stream(output, binary=output_format in BINARY_FORMATS) as stream, _progress(show) as bar:
        writer = make_writer(output_format, stream)
        for item, pred in results:
            writer.write(record(item, pred))
            bar.update(1)
        if hasattr(writer, "close"):
            writer.close()
    if stats.skipped_empty and not quiet:
        click.echo(f"vnstance: skipped {stats.skipped_empty} empty line(s)", err=True)


def _predict_dask(ctx: click.Context, inputs: tuple[str, ...], model_path: str, input_format: str | None,
                  text_column: str | None, id_column: str | None, article: bool, output_format: str,
                  output: str | None, jobs: int, progress: bool | None, quiet: bool, scheduler: str | None,
                  resume: bool, ship_model: bool) -> None:
    """predict --engine dask: a Parquet folder, one file per input partition."""
    from click.core import ParameterSource

    if ctx.get_parameter_source("output_format") != ParameterSource.DEFAULT and output_format != "parquet":
        raise click.UsageError("--engine dask writes Parquet (one file per partition): leave out --format")
    if not output or output == "-":
        raise click.UsageError("--engine dask needs -o DIR, the folder for the Parquet files")
    if input_format in ("article",):
        raise click.UsageError("--engine dask reads a folder of .txt files as articles; --input-format article "
                               "is for the local engine")
    from . import dask as engine

    options = engine.Options(text_column, id_column, article)
    engine.plan(inputs, input_format, options)  # bad input fails before a cluster starts
    engine.check_output(output, resume)
    from .model.parallel import resolve_jobs

    workers = resolve_jobs(jobs) if ctx.get_parameter_source("jobs") != ParameterSource.DEFAULT else None
    say = (lambda m: click.echo(f"vnstance: {m}", err=True)) if not quiet else None
    client, cluster = engine.connect(scheduler, workers)
    try:
        result = engine.run(inputs, model_path, output, input_format=input_format, options=options, client=client,
                            resume=resume, ship_model=ship_model, announce=say,
                            progress=not quiet and (progress if progress is not None else sys.stderr.isatty()))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if say:
        say(f"{result.rows} sentence(s) from {result.partitions - result.skipped} partition(s) in "
            f"{result.seconds:.1f} s into {output}" + (f"; {result.skipped} already complete" if result.skipped else ""))
        if result.skipped_empty:
            say(f"skipped {result.skipped_empty} empty line(s)")


def _predict_items(inputs: tuple[str, ...], input_format: str | None, text_column: str | None,
                   id_column: str | None, article: bool, stats: ReadStats):
    """Each INPUT read by its format (given, else by extension), in order; no INPUT: stdin."""
    from .tables import TABLE_FORMATS, chain, default_text_column, infer_format, read_table

    formats = [input_format or infer_format(p) or "lines" for p in inputs or ["-"]]
    if input_format and any(infer_format(p) == "folder" for p in inputs):
        raise click.UsageError("a folder INPUT is read as .txt articles: leave out --input-format")
    if not any(f in (*TABLE_FORMATS, "folder") for f in formats) and (text_column or id_column or article):
        raise click.UsageError("--text-column, --id-column and --article apply to csv, tsv or parquet input")
    column = text_column or default_text_column(article)
    return chain(read_table(p, f, column, id_column, article, stats) if f in (*TABLE_FORMATS, "folder")
                 else read_items([p], f, stats) for p, f in zip(inputs or ["-"], formats))


def _progress(show: bool):
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: the pool may fork while the bar is open
    return tqdm(disable=not show, unit=" sent", file=sys.stderr, mininterval=0.5, dynamic_ncols=True)


@main.command()
@click.argument("predictions", type=click.Path(allow_dash=True))
@click.option("--by", "by", multiple=True, metavar="COLUMN",
              help="Group by this column (e.g. outlet), or by 'month' of the date column. Repeatable.")
@click.option("--date-column", default=None, help="Date column for --by month. Default: the first of published, date.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Write a self-contained HTML report here.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write the summary table as CSV here.")
@click.option("--model", "model_path", type=click.Path(dir_okay=False),
              help="The model that made the predictions: quote the accuracy its metadata records, if any.")
@click.option("--eval-report", "eval_path", type=click.Path(dir_okay=False),
              help="An eval report (vnstance eval --report) whose measured accuracy the report quotes.")
def summarize(predictions: str, by: tuple[str, ...], date_column: str | None, html_path: str | None,
              csv_path: str | None, model_path: str | None, eval_path: str | None) -> None:
    """Stance shares (95% Wilson intervals), mean sentiment and evidence per group and target,
    from the CSV, Parquet or JSONL that `vnstance predict` wrote."""
    from .summarize import accuracy_note, load_eval_report
    from .summarize import summarize as run_summary
    from .summarize.report import table, write_csv, write_html

    if eval_path:
        accuracy = accuracy_note(eval_report=load_eval_report(eval_path), source=eval_path)
    elif model_path:
        from .model.api import load_model

        accuracy = accuracy_note(model_meta=load_model(model_path).meta, source=model_path)
        if accuracy is None:
            warnings.warn(f"{model_path} records no measured accuracy: pass --eval-report from `vnstance eval --report`")
    else:
        accuracy = None
    result = run_summary(predictions, by, date_column)
    click.echo(table(result))
    if accuracy:
        click.echo(accuracy)
    if csv_path:
        write_csv(result, csv_path)
        click.echo(f"csv: {csv_path}")
    if html_path:
        write_html(result, accuracy, html_path)
        click.echo(f"html: {html_path}")


@main.command()
@click.option("--model", "model_path", default=str(DEFAULT_MODEL), show_default=True,
              type=click.Path(dir_okay=False), help="Model to benchmark.")
@click.option("--sentences", default=20_000, show_default=True, type=click.IntRange(min=1),
              help="Corpus size, built from the shipped sentences (each made distinct).")
@click.option("--jobs", "-j", default=2, show_default=True, type=click.IntRange(min=0),
              help="Jobs for the parallel run; 0 = all cores.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write the figures here.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: predict --engine dask on local clusters of 1 to --jobs workers (sent/s, start-up cost).")
def bench(model_path: str, sentences: int, jobs: int, json_path: str | None, engine: str) -> None:
    """Throughput and memory of predict, against underthesea segmentation alone."""
    from . import bench as b

    if engine == "dask":
        from . import dask_bench

        result = dask_bench.run(model_path, sentences, b.resolve_jobs(jobs))
        click.echo(dask_bench.table(result))
        if json_path:
            b.write_json(result, json_path)
            click.echo(f"json: {json_path}")
        return
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

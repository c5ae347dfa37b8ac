"""The `vnstance` command: thin wrappers that parse options and call plain functions.

User errors (bad files, bad labels, a model that fails its digest check) end in one line on
stderr and exit status 2; a failed --fail-under gate exits 1.
"""

from __future__ import annotations

import signal
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _interrupted_on_import(kind, value, tb, _default=sys.excepthook) -> None:
    """Ctrl-C while the libraries are still importing (the first second or so): one line."""
    if issubclass(kind, KeyboardInterrupt):
        print("vnstance: interrupted", file=sys.stderr)
    else:
        _default(kind, value, tb)


sys.excepthook = _interrupted_on_import  # before the imports below

import os  # noqa: E402
import threading  # noqa: E402

import click  # noqa: E402

from . import __version__  # noqa: E402
from .dataset import DEFAULT_TRAIN, GOLD_PATH  # noqa: E402
from .errors import VnstanceError  # noqa: E402
from .features.articles import SECTIONS  # noqa: E402
from .inputs import FORMATS, ReadStats, read_items  # noqa: E402
from .model.artifact import ENV_SHA256  # noqa: E402
from .outputs import BINARY_FORMATS, OUTPUT_FORMATS, make_writer, output_stream, record  # noqa: E402
from .paths import DefaultModel, default_model  # noqa: E402
from .schema import DEFAULT as DEFAULT_SCHEMA  # noqa: E402
from .schema import Schema  # noqa: E402
from .tables import TABLE_FORMATS  # noqa: E402
from .textfiles import DISK_ERRORS, printable, write_json  # noqa: E402


# predict, eval, check, serve and label: the digest pin (README, "Why the model file has a digest")
_model_sha256_option = click.option(
    "--model-sha256", "model_sha256", envvar=ENV_SHA256, metavar="HEX",
    help=f"Accept only the model with this SHA-256 (instead of the .sha256 file beside it). Env: {ENV_SHA256}.")


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> str:
    return f"vnstance: warning: {message}\n"


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, so it unwinds as for Ctrl-C: temp
    files removed, worker pools shut down."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, frame) -> None:
    raise Terminated(signum)


_HANDLED = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])


@contextmanager
def _signal_handlers():
    """SIGTERM and SIGHUP behave as Ctrl-C; a file-size limit is a write error (EFBIG), not a
    core dump. The previous handlers come back afterwards (the test runner calls main too)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = {signal.SIGINT: signal.default_int_handler, **{s: _terminate for s in _HANDLED}}
    if hasattr(signal, "SIGXFSZ"):
        wanted[signal.SIGXFSZ] = signal.SIG_IGN
    saved = {s: signal.signal(s, h) for s, h in wanted.items()}
    try:
        yield
    finally:
        for s, h in saved.items():
            signal.signal(s, h)


class _Stopped(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _PipeClosed(Exception):
    pass


def _stopped(signum: int):
    """One line and exit 128 + the signal number."""
    if signum == signal.SIGINT:
        click.echo("vnstance: interrupted", err=True)
    else:
        click.echo(f"vnstance: terminated by {signal.Signals(signum).name}", err=True)
    sys.exit(128 + signum)


def _mute_stdout() -> None:
    """stdout is gone (a closed pipe, a full disk): point it at /dev/null so that the flush
    at exit does not print a second error."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


class _Group(click.Group):
    """Usage errors, user errors, Ctrl-C, SIGTERM and SIGHUP each end in one line, never a
    traceback; so do a full disk and a closed stdin or stdout."""

    def main(self, args=None, prog_name=None, **extra):
        with _signal_handlers():
            return self._main(args, prog_name, **extra)

    def invoke(self, ctx):
        """Take Ctrl-C, SIGTERM and a closed pipe before click does (it prints a blank line for
        the first two and exits 1 for the last)."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as e:
            raise _Stopped(e.signum if isinstance(e, Terminated) else signal.SIGINT) from None
        except BrokenPipeError:
            raise _PipeClosed from None

    def _main(self, args=None, prog_name=None, **extra):
        warnings.formatwarning = _one_line_warning
        try:
            if sys.stdout is None:  # started with stdout closed (`>&-`)
                raise VnstanceError("stdout is closed")
            rv = super().main(args=args, prog_name=prog_name, standalone_mode=False, **extra)
            sys.stdout.flush()
            return rv
        except click.UsageError as e:
            cmd = f" {e.ctx.command.name}" if e.ctx and e.ctx.command and e.ctx.command is not self else ""
            click.echo(f"vnstance: error: {e.format_message()} (see `vnstance{cmd} --help`)", err=True)
            sys.exit(2)
        except click.ClickException as e:
            click.echo(f"vnstance: error: {e.format_message()}", err=True)
            sys.exit(e.exit_code)
        except _Stopped as e:
            _stopped(e.signum)
        except _PipeClosed:
            _mute_stdout()  # the reader went away (`| head`): not an error
            sys.exit(0)
        except click.exceptions.Abort as e:
            _stopped(e.__context__.signum if isinstance(e.__context__, Terminated) else signal.SIGINT)
        except VnstanceError as e:
            click.echo(f"vnstance: error: {e}", err=True)
            sys.exit(2)
        except KeyboardInterrupt as e:
            _stopped(e.signum if isinstance(e, Terminated) else signal.SIGINT)
        except BrokenPipeError:
            _mute_stdout()  # the reader went away (`| head`): not an error
            sys.exit(0)
        except OSError as e:  # a full disk or a file-size limit on stdout, an I/O error
            where = e.filename or ("stdout" if e.errno in DISK_ERRORS else None)
            if where == "stdout":
                _mute_stdout()
            click.echo(f"vnstance: error: {f'{where}: ' if where else ''}{e.strerror or e}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vnstance")
def main() -> None:
    """Stance toward Russia and the US, and sentiment, for each sentence of Vietnamese news."""


# the model file when --model/--out is not given: see vnstance/paths.py
_DEFAULT_MODEL = "$VNSTANCE_MODEL, else artifacts/model.joblib in a checkout, else the per-user data folder"


def _model_or_default(path: str | None) -> tuple[str, DefaultModel | None]:
    """The path given, or the default one and why it was chosen."""
    if path is not None:
        return path, None
    chosen = default_model()
    return str(chosen.path), chosen


@contextmanager
def _using(chosen: DefaultModel | None, quiet: bool = False) -> Iterator[None]:
    """Around the step that reads (or writes) a default model: once it went well, one stderr
    line says which model that was and why; an error about that file says it was the default."""
    try:
        yield
    except VnstanceError as e:
        if chosen is not None and str(e).startswith(str(chosen.path)):
            raise VnstanceError(f"{e} [the default model: {chosen.source}]") from None
        raise
    if chosen is not None and not quiet:
        click.echo(f"vnstance: {chosen.describe()}", err=True)


def _counts_table(counts: dict[str, dict[str, int]]) -> str:
    lines = []
    for h, by_label in counts.items():
        cells = "  ".join(f"{lab}={n}" for lab, n in by_label.items())
        lines.append(f"  {h:<9} {cells}")
    return "\n".join(lines)


@main.command()
@click.option("--data", "data", multiple=True, type=click.Path(dir_okay=False),
              help="Labelled JSONL file; repeat to concatenate. Default: the shipped seed gold + both authored sets.")
@click.option("--out", default=None, show_default=_DEFAULT_MODEL, type=click.Path(dir_okay=False),
              help="Where to write the model (and its .sha256 beside it).")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--targets", default=",".join(DEFAULT_SCHEMA.targets), show_default=True, metavar="T1,T2,...",
              help="The targets to tag stance toward; the data needs a field per target (README: Adding a target).")
@click.option("--lexicon", "lexicon_path", type=click.Path(dir_okay=False),
              help="Your alias lexicon (JSON, the format of the shipped one), merged into the shipped one: "
                   "a target you give replaces the shipped entry for it.")
def train(data: tuple[str, ...], out: str | None, seed: int, targets: str, lexicon_path: str | None) -> None:
    """Train a model on labelled sentences and save it."""
    from .features.mentions import read_lexicon
    from .model.train import train as train_model

    try:
        schema = Schema.of_targets(targets)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--targets") from None
    lexicon = read_lexicon(lexicon_path) if lexicon_path else None
    out, chosen = _model_or_default(out)
    paths = list(data) or [str(p) for p in DEFAULT_TRAIN]
    with _using(chosen):
        result = train_model(paths, out, seed, schema=schema, lexicon=lexicon, lexicon_path=lexicon_path)
    meta = result.model.meta
    click.echo(f"trained on {len(result.data)} sentences from {', '.join(paths)}")
    click.echo(_counts_table(result.data.label_counts()))
    click.echo(f"model: {result.path} (sha256 {result.model.sha256}, {meta['train_seconds']} s)")


def _parse_sections(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    chosen = tuple(s.strip() for s in value.split(",") if s.strip())
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown or not chosen:
        raise click.BadParameter(f"{', '.join(unknown) or 'empty'}: choose from {', '.join(SECTIONS)}")
    return chosen


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--model", "model_path", default=None, show_default=_DEFAULT_MODEL,
              type=click.Path(dir_okay=False), help="Model file (its recorded digest is checked first).")
@click.option("--input-format", "input_format", type=click.Choice(FORMATS + TABLE_FORMATS), default=None,
              help="lines: one sentence a line; jsonl: objects with \"text\" (and \"id\"); article: raw article text; "
                   "csv/tsv/parquet: a table with a header. Default: by file extension (.csv .tsv .parquet), else "
                   "lines; a folder is read as .txt articles.")
@click.option("--sections", default=None, metavar="LIST", callback=_parse_sections,
              help="article input (also --article tables and folders): keep only these sections, comma-separated, of "
                   "headline, body, caption, related (sidebars and related-news teasers). Default: all, each row "
                   "marked with its \"section\".")
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
@_model_sha256_option
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: only when stderr is a terminal).")
@click.option("--quiet", "-q", is_flag=True, help="Nothing on stderr but errors.")
@click.option("--explain", "explain", default=0, type=click.IntRange(min=0), metavar="K",
              help="Add \"explain\": per head, the K features (n-grams, cue words) that pushed its decision most, "
                   "with their weights. Slower: for reading, not for archives.")
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
def predict(ctx: click.Context, inputs: tuple[str, ...], model_path: str | None, input_format: str | None,
            sections: tuple[str, ...] | None, text_column: str | None, id_column: str | None, article: bool,
            output_format: str, output: str | None, jobs: int, progress: bool | None, quiet: bool, explain: int,
            model_sha256: str | None, engine: str, scheduler: str | None, resume: bool, ship_model: bool) -> None:
    """Label sentences from files, folders or stdin ('-'), one output row per sentence, in input order."""
    from .model.api import load_model, settle
    from .model.parallel import resolve_jobs
    from .model.predict import predict_items

    if sections is not None and input_format != "article" and not article and not _any_folder(inputs):
        raise click.UsageError("--sections needs articles: --input-format article, --article on a table, "
                               "or a folder of .txt articles")
    if explain and output_format != "jsonl":
        raise click.UsageError("--explain adds nested evidence: it writes JSON Lines only (leave out --format)")
    if quiet:
        warnings.simplefilter("ignore")
    model_path, chosen = _model_or_default(model_path)
    if engine == "dask":
        if explain:
            raise click.UsageError("--explain is for the local engine (it is for reading, not for archives)")
        if sections is not None:
            raise click.UsageError("--sections is for the local engine; the dask engine writes every section "
                                   "(filter on its section column)")
        with _pinned(model_sha256), _using(chosen, quiet):
            _predict_dask(ctx, inputs, model_path, input_format, text_column, id_column, article, output_format,
                          output, jobs, progress, quiet, scheduler, resume, ship_model)
        return
    if scheduler or resume or ship_model:
        raise click.UsageError("--scheduler, --resume and --ship-model apply to --engine dask")
    if output and output != "-" and Path(output).is_dir():
        raise click.UsageError(f"--output {output} is a folder: give a file name (folders are for --engine dask)")
    with _using(chosen, quiet):
        model = load_model(model_path, model_sha256)
    settle()
    stats = ReadStats()
    items = _within_limit(_predict_items(inputs, input_format, text_column, id_column, article, stats, sections,
                                         model.schema))
    jobs = resolve_jobs(jobs)
    results = predict_items(model, items, jobs=jobs)  # Model.pipe, over `jobs` processes
    if explain:
        results = ((item, {**pred, "explain": model.explain(item.text, explain)["explain"]}) for item, pred in results)
    show = not quiet and (progress if progress is not None else sys.stderr.isatty())
    with output_stream(output, binary=output_format in BINARY_FORMATS) as stream, _progress(show) as bar:
        writer = make_writer(output_format, stream, model.schema)
        for item, pred in results:
            rec = record(item, pred)
            if output_format == "table":  # no escape sequences or carriage returns to the terminal
                rec = {**rec, "id": printable(str(rec.get("id", ""))), "text": printable(rec["text"])}
            writer.write(rec)
            bar.update(1)
        if hasattr(writer, "close"):
            writer.close()
    if stats.skipped_empty and not quiet:
        click.echo(f"vnstance: skipped {stats.skipped_empty} empty line(s)", err=True)
    for message in stats.warnings() if not quiet else ():
        click.echo(f"vnstance: warning: {message}", err=True)


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
                   id_column: str | None, article: bool, stats: ReadStats,
                   sections: tuple[str, ...] | None = None, schema: Schema = DEFAULT_SCHEMA):
    """Each INPUT read by its format (given, else by extension), in order; no INPUT: stdin."""
    from .tables import TABLE_FORMATS, chain, default_text_column, infer_format, read_table, reserved_columns

    formats = [input_format or infer_format(p) or "lines" for p in inputs or ["-"]]
    if input_format and any(infer_format(p) == "folder" for p in inputs):
        raise click.UsageError("a folder INPUT is read as .txt articles: leave out --input-format")
    if not any(f in (*TABLE_FORMATS, "folder") for f in formats) and (text_column or id_column or article):
        raise click.UsageError("--text-column, --id-column and --article apply to csv, tsv or parquet input")
    column = text_column or default_text_column(article)
    reserved = reserved_columns(schema)  # a table column the output would overwrite is an error
    items = chain(read_table(p, f, column, id_column, article, stats, reserved) if f in (*TABLE_FORMATS, "folder")
                  else read_items([p], f, stats, sections) for p, f in zip(inputs or ["-"], formats))
    if sections is None:
        return items
    # table and folder articles: ids and sentence_index still count every sentence, as for article input
    return (it for it in items if (it.extra or {}).get("section", sections[0]) in sections)


def _any_folder(inputs: tuple[str, ...]) -> bool:
    return any(Path(p).is_dir() for p in inputs)


def _within_limit(items):
    """Items, refusing one over the model's sentence length limit before it reaches the model."""
    from .model.api import MAX_SENTENCE_CHARS

    for n, item in enumerate(items, 1):
        if len(item.text) > MAX_SENTENCE_CHARS:
            ident = f" (id {item.id})" if item.id is not None else ""
            raise VnstanceError(f"input sentence {n}{ident} has {len(item.text):,} characters, over the limit of "
                                f"{MAX_SENTENCE_CHARS:,}: split it into sentences (or use --input-format article)")
        yield item


@contextmanager
def _pinned(sha256: str | None):
    """Pin the model digest in the environment for code that loads the model itself."""
    if sha256 is None:
        yield
        return
    saved = os.environ.get(ENV_SHA256)
    os.environ[ENV_SHA256] = sha256
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(ENV_SHA256, None)
        else:
            os.environ[ENV_SHA256] = saved


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
@click.option("--eval-report", "eval_path", type=click.Path(dir_okay=False),
              help="An eval report (vnstance eval --report) whose measured accuracy the report quotes.")
def summarize(predictions: str, by: tuple[str, ...], date_column: str | None, html_path: str | None,
              csv_path: str | None, eval_path: str | None) -> None:
    """Stance shares (95% Wilson intervals), mean sentiment and evidence per group and target,
    from the CSV, Parquet or JSONL that `vnstance predict` wrote."""
    from .summarize import accuracy_note, load_eval_report
    from .summarize import summarize as run_summary
    from .summarize.report import table, write_csv, write_html

    accuracy = accuracy_note(eval_report=load_eval_report(eval_path), source=eval_path) if eval_path else None
    result = run_summary(predictions, by, date_column)
    # the files first: a reader that stops early (`| head`) must not cost the user them
    if csv_path:
        write_csv(result, csv_path)
    if html_path:
        write_html(result, accuracy, html_path)
    click.echo(table(result))
    if accuracy:
        click.echo(accuracy)
    if csv_path:
        click.echo(f"csv: {csv_path}")
    if html_path:
        click.echo(f"html: {html_path}")


@main.command()
@click.option("--model", "model_path", default=None, show_default=_DEFAULT_MODEL,
              type=click.Path(dir_okay=False), help="Model to benchmark.")
@click.option("--sentences", default=20_000, show_default=True, type=click.IntRange(min=1),
              help="Corpus size, built from the shipped sentences (each made distinct).")
@click.option("--jobs", "-j", default=2, show_default=True, type=click.IntRange(min=0),
              help="Jobs for the parallel run; 0 = all cores.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write the figures here.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: predict --engine dask on local clusters of 1 to --jobs workers (sent/s, start-up cost).")
@click.option("--whole-process", "whole_sizes", default=None, metavar="N1,N2,...",
              help="Instead: time `vnstance predict --jobs 1` end to end as a process, against a process "
                   "that only segments, on files of N1, N2, ... sentences (3 alternating pairs each).")
@click.pass_context
def bench(ctx: click.Context, model_path: str | None, sentences: int, jobs: int, json_path: str | None,
          engine: str, whole_sizes: str | None) -> None:
    """Throughput and memory of predict, against underthesea segmentation alone."""
    from . import bench as b

    if whole_sizes is not None:
        given = [f"--{p}" for p in ("sentences", "jobs", "engine")
                 if ctx.get_parameter_source(p) is not click.core.ParameterSource.DEFAULT]
        if given:
            raise click.UsageError(f"--whole-process times predict --jobs 1 on its own sizes: "
                                   f"{', '.join(given)} would play no part")
    model_path, chosen = _model_or_default(model_path)
    if whole_sizes is not None:
        try:
            sizes = [int(n) for n in whole_sizes.split(",")]
        except ValueError:
            sizes = []
        if not sizes or min(sizes) < 1:
            raise click.BadParameter("give sentence counts, e.g. 8000,40000", param_hint="--whole-process")
        with _using(chosen):
            result = b.whole_process(model_path, sizes)
        _figures(b.whole_table(result), result, json_path)
        return
    with _using(chosen):
        if engine == "dask":
            from . import dask_bench

            result = dask_bench.run(model_path, sentences, b.resolve_jobs(jobs))
            _figures(dask_bench.table(result), result, json_path)
            return
        result = b.run(model_path, sentences, jobs)
    _figures(b.table(result), result, json_path)


@contextmanager
def _gate_survives_a_closed_pipe(failed: bool) -> Iterator[None]:
    """A reader that stops early (`vnstance eval --fail-under ... | head`) ends a command with
    exit 0, quietly; a gate that failed must still end it with 1, and say so on stderr."""
    try:
        yield
    except BrokenPipeError:
        if not failed:
            raise
        _mute_stdout()
        click.echo("vnstance: gate failed (stdout was closed before the figures were printed)", err=True)
        sys.exit(1)


def _figures(text: str, result: dict, json_path: str | None) -> None:
    """The JSON first, then the table: a reader that stops early (`| head`) costs no file."""
    if json_path:
        write_json(result, json_path)
    click.echo(text)
    if json_path:
        click.echo(f"json: {json_path}")


@main.command("eval")
@click.option("--model", "model_path", default=None, show_default=_DEFAULT_MODEL, type=click.Path(dir_okay=False),
              help="Model to score (ignored with --cv, which trains its own per fold).")
@click.option("--data", "data_path", default=str(GOLD_PATH), show_default=True, type=click.Path(dir_okay=False),
              help="Labelled JSONL to score.")
@click.option("--cv", is_flag=True, help="Cross-validate by doc group (leave one article out) instead of scoring --model.")
@click.option("--train-extra", multiple=True, type=click.Path(dir_okay=False),
              help="Training-only labelled JSONL, added to every fold's training data, never scored. Repeatable. "
                   "Default with --cv on the shipped gold: the shipped authored sets, as train uses.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the JSON report here.")
@click.option("--markdown", "markdown_path", type=click.Path(dir_okay=False), help="Write the Markdown report here.")
@click.option("--plots", "plots_dir", type=click.Path(file_okay=False), help="Write confusion-matrix PNGs here (needs matplotlib).")
@click.option("--fail-under", multiple=True, metavar="METRIC=VALUE",
              help="Exit 1 if METRIC is below VALUE; @FILE reads floors from a file. Repeatable.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed for --cv training.")
@_model_sha256_option
@click.option("--targets", default=None, metavar="T1,T2,...",
              help="With --cv: the targets to train for (default russia,us); a saved model scores its own.")
@click.option("--lexicon", "lexicon_path", type=click.Path(dir_okay=False),
              help="With --cv: your alias lexicon, merged into the shipped one (as for train).")
def eval_command(model_path: str | None, data_path: str, cv: bool, train_extra: tuple[str, ...],
                 report_path: str | None, markdown_path: str | None, plots_dir: str | None,
                 fail_under: tuple[str, ...], seed: int, model_sha256: str | None,
                 targets: str | None = None, lexicon_path: str | None = None) -> None:
    """Score a model on labelled sentences, or cross-validate; print a summary, write reports, gate."""
    from .eval import gate, report
    from .eval.evaluate import evaluate

    if train_extra and not cv:
        raise click.UsageError("--train-extra only adds training data to --cv folds; without --cv it plays no part")
    if (targets or lexicon_path) and not cv:
        raise click.UsageError("--targets and --lexicon choose what --cv trains; a saved model scores its own targets")
    try:
        schema = Schema.of_targets(targets) if targets else DEFAULT_SCHEMA
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--targets") from None
    from .features.mentions import read_lexicon

    lexicon = read_lexicon(lexicon_path) if lexicon_path else None
    floors = gate.parse_floors(fail_under)  # bad floors fail before minutes of work
    if cv and not train_extra and Path(data_path) == GOLD_PATH:
        # what `train` learns from by default: the shipped gold and authored sets (an installed
        # tool's authored files live inside the package, where no user would type their path)
        train_extra = tuple(str(p) for p in DEFAULT_TRAIN if p != GOLD_PATH)
        click.echo(f"vnstance: --cv adds the shipped authored sets to every fold's training data, as train "
                   f"does ({', '.join(Path(p).name for p in train_extra)}); --train-extra chooses others", err=True)
    model_path, chosen = _model_or_default(model_path)
    with _pinned(model_sha256), _using(None if cv else chosen):  # --cv trains its own models
        result = evaluate(data_path, model_path, cv=cv, train_extra=train_extra, seed=seed, schema=schema,
                          lexicon=lexicon)
    # the files first: a reader that stops early (`| head`) must not cost the user them
    if report_path:
        write_json(result, report_path)
    if markdown_path:
        report.write_markdown(result, markdown_path)
    plots = report.write_plots(result, plots_dir) if plots_dir else []
    failures = gate.check(result, floors)
    with _gate_survives_a_closed_pipe(bool(failures)):
        click.echo(report.summary(result))
        if report_path:
            click.echo(f"report: {report_path}")
        if markdown_path:
            click.echo(f"markdown: {markdown_path}")
        for p in plots:
            click.echo(f"plot: {p}")
    overlap = result.get("training_overlap")
    if overlap and overlap["in_training"]:
        click.echo(f"vnstance: warning: {overlap['in_training']} of {overlap['scored']} scored sentences were in "
                   "the training data: optimistic; use --cv", err=True)  # after the one-line errors
    for f in failures:
        click.echo(f"vnstance: gate failed: {f}", err=True)
    if failures:
        sys.exit(1)
    if floors:
        click.echo(f"gate passed: {len(floors)} floor(s) met")


@main.command("check")
@click.option("--model", "model_path", default=None, show_default=_DEFAULT_MODEL, type=click.Path(dir_okay=False),
              help="Model to test.")
@click.option("--cases", "cases_path", default=None, type=click.Path(dir_okay=False),
              help="Contrast set (JSONL); default: the shipped seeds/contrast.jsonl.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the JSON report here.")
@click.option("--fail-under", "fail_under", type=click.FloatRange(0, 1), default=None, metavar="RATE",
              help="Exit 1 if the pass rate over all cases is below RATE (0-1).")
@_model_sha256_option
def check_command(model_path: str | None, cases_path: str | None, report_path: str | None, fail_under: float | None,
                  model_sha256: str | None) -> None:
    """Behavioural tests: run the contrast set and print the pass rate per test type."""
    from .eval import contrast

    model_path, chosen = _model_or_default(model_path)
    with _pinned(model_sha256), _using(chosen):
        result = contrast.check(model_path, cases_path or contrast.CASES_PATH)
    if report_path:
        write_json(result, report_path)
    failed = fail_under is not None and result["pass_rate"] < fail_under
    with _gate_survives_a_closed_pipe(failed):
        click.echo(contrast.summary(result))
        if report_path:
            click.echo(f"report: {report_path}")
    if fail_under is not None:
        if failed:
            click.echo(f"vnstance: gate failed: pass rate {result['pass_rate']:.4f} is below its floor "
                       f"{fail_under:.4f}", err=True)
            sys.exit(1)
        click.echo(f"gate passed: pass rate {result['pass_rate']:.4f} >= {fail_under:.4f}")


@main.command()
@click.option("--model", "model_path", default=None, show_default=_DEFAULT_MODEL,
              type=click.Path(dir_okay=False), help="Model to serve (its digest is checked at start).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (only this machine by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1), help="Worker processes.")
@click.option("--max-sentences", default=256, show_default=True, type=click.IntRange(min=1), help="Per request.")
@click.option("--max-bytes", default=64 * 1024, show_default=True, type=click.IntRange(min=1), help="Request body size.")
@click.option("--max-chars", default=2000, show_default=True, type=click.IntRange(min=1),
              help="Per sentence (at most 10,000, the model's own limit).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="HOST",
              help="A Host header to answer (DNS-rebinding guard); repeat. Default: 127.0.0.1, localhost, [::1] "
                   "and --host; '*' answers any.")
@_model_sha256_option
def serve(model_path: str | None, host: str, port: int, workers: int, max_sentences: int, max_bytes: int,
          max_chars: int, allowed_hosts: tuple[str, ...], model_sha256: str | None) -> None:
    """Serve the model over HTTP: POST /v1/predict, GET /healthz, /readyz, /v1/model, /openapi.json."""
    try:
        import uvicorn

        from . import service
    except ImportError:
        raise VnstanceError("vnstance serve needs the serve extra: pip install 'vnstance[serve]'") from None
    import json

    from .model.api import load_model, settle

    model_path, chosen = _model_or_default(model_path)
    with _using(chosen):
        model = load_model(model_path, model_sha256)  # verified and warmed before the port is bound
    settle()  # no full garbage collection walking the model in the middle of a request
    limits = service.Limits(max_sentences, max_bytes, max_chars)
    hosts = _allowed_hosts(host, allowed_hosts)
    sock = _bind(host, port)
    service.configure_access_log()
    bound = sock.getsockname()[1]
    click.echo(f"vnstance: serving model {model.sha256} on http://{host}:{bound} (schema at /openapi.json)", err=True)
    options = dict(access_log=False, log_level="warning", timeout_keep_alive=5)
    for sig in _HANDLED:  # uvicorn shuts down gracefully on SIGTERM, then dies of it as a service should
        signal.signal(sig, signal.SIG_DFL)
    if workers == 1:
        config = uvicorn.Config(service.create_app(model, limits, hosts), **options)
        uvicorn.Server(config).run(sockets=[sock])
        return
    from uvicorn.supervisors import Multiprocess

    # each worker loads the model itself: pin the digest verified here, so a worker started
    # after the file was replaced refuses it (and the service stops) instead of serving it
    os.environ[ENV_SHA256] = model.sha256 or ""
    os.environ[service.ENV_MODEL] = model_path
    os.environ[service.ENV_LIMITS] = json.dumps({"max_sentences": max_sentences, "max_bytes": max_bytes,
                                                 "max_chars": max_chars})
    os.environ[service.ENV_HOSTS] = json.dumps(hosts)
    config = uvicorn.Config("vnstance.service:app_from_env", factory=True, workers=workers, **options)
    supervisor = Multiprocess(config, sockets=[sock])
    supervisor.run()
    if any(p.exitcode == service.STARTUP_FAILURE for p in supervisor.processes):
        raise VnstanceError("a worker refused to start (the error above); the service stopped")


def _allowed_hosts(host: str, given: tuple[str, ...] = ()) -> list[str]:
    """Host headers a server answers (DNS-rebinding guard): the loopback names, the address it
    listens on, and those given (added, so the machine's own clients keep working). IPv6
    addresses are bracketed, as in a Host header."""
    hosts = ["127.0.0.1", "localhost", "[::1]"]
    if host not in ("", "0.0.0.0", "::"):  # every interface: only loopback names unless --allowed-host
        hosts.append(f"[{host}]" if ":" in host and not host.startswith("[") else host)
    return list(dict.fromkeys([*hosts, *given]))


def _bind(host: str, port: int):
    """The listening socket, bound before the banner says where it is; a busy port is one line."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as e:
        raise VnstanceError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as e:
        sock.close()
        raise VnstanceError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.set_inheritable(True)
    return sock


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Answers file (JSONL, gold format). Appended at once; an existing file is resumed.")
@click.option("--model", "model_path", default=None, show_default=_DEFAULT_MODEL,
              type=click.Path(dir_okay=False), help="Model that suggests labels and orders the queue.")
@click.option("--no-model", "no_model", is_flag=True,
              help="Label without a model: no suggestions, every sentence in a seeded random order.")
@click.option("--targets", default=None, metavar="T1,T2,...",
              help="The targets to label (default: the model's). A target the model lacks gets no suggestion.")
@click.option("--input-format", "input_format", type=click.Choice(FORMATS), default="lines", show_default=True,
              help="As for predict; article input shows each sentence's neighbours in its article.")
@click.option("--annotator", default=None, help="Name saved with every answer. Default: the login name.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (only this machine by default).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="HOST",
              help="A Host header to answer (DNS-rebinding guard); repeat. Default: 127.0.0.1, localhost, [::1] "
                   "and --host; '*' answers any.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--random-share", default=0.2, show_default=True, type=click.FloatRange(0, 1),
              help="Share of sentences chosen at random (the unbiased sample) rather than by uncertainty.")
@click.option("--sample", type=click.IntRange(min=1), default=None,
              help="Label a seeded random sample of this many sentences, not the whole input (large archives).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the order: same input, model, seed, same order.")
@_model_sha256_option
def label(inputs: tuple[str, ...], out: str, model_path: str | None, no_model: bool, targets: str | None,
          input_format: str, annotator: str | None, host: str,
          allowed_hosts: tuple[str, ...], port: int, random_share: float, sample: int | None, seed: int,
          model_sha256: str | None) -> None:
    """Label sentences in the browser, the ones the model is least sure of first."""
    try:
        import uvicorn

        from .label.app import create_app, label_keys
    except ImportError:
        raise VnstanceError("vnstance label needs the serve extra: pip install 'vnstance[serve]'") from None
    import getpass

    from .label.session import open_session
    from .model.api import load_model

    if no_model and model_path is not None:
        raise click.UsageError("--model and --no-model: choose one")
    try:
        schema = Schema.of_targets(targets) if targets is not None else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--targets") from None
    model = None
    if not no_model:
        model_path, chosen = _model_or_default(model_path)
        with _using(chosen):
            model = load_model(model_path, sha256=model_sha256)
    schema = schema or (DEFAULT_SCHEMA if model is None else model.schema)
    try:
        label_keys(schema)  # more labels than keys: say so before scoring
    except ValueError as e:
        raise VnstanceError(str(e)) from None
    lacking = [t for t in schema.targets if model is not None and t not in model.schema.targets]
    if lacking:
        click.echo(f"vnstance: the model (targets {', '.join(model.schema.targets)}) has no head for "
                   f"{', '.join(lacking)}: {', '.join(lacking)} {'gets' if len(lacking) == 1 else 'get'} no suggestion "
                   f"and no part in the order, you key it; --no-model labels without a model "
                   f"(no suggestions, a random order)", err=True)
    try:
        who = annotator or getpass.getuser()
    except (KeyError, OSError):
        who = "annotator"
    def scoring(n: int, total: int) -> None:
        of = f" (a random sample of {total})" if n < total else ""
        if model is None:
            click.echo(f"vnstance: {n} sentences{of} in a random order (no model) ...", err=True)
        else:
            click.echo(f"vnstance: scoring {n} sentences{of} to order them ...", err=True)

    session = open_session(inputs, input_format, out, model, who, random_share, seed, sample, on_scoring=scoring,
                           schema=schema)
    s = session.stats()
    click.echo(f"vnstance: {s['total']} sentences, {s['labelled']} already labelled in {out} "
               f"(targets {', '.join(session.schema.targets)}); "
               f"labelling as {who!r} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    uvicorn.run(create_app(session, allowed_hosts=tuple(_allowed_hosts(host, allowed_hosts))), host=host, port=port, access_log=False, log_level="warning")


@main.command("label-random")
@click.argument("labels", type=click.Path(dir_okay=False))
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="Where to write the random rows.")
@click.option("--rest", type=click.Path(dir_okay=False), help="Also write the other rows (chosen by uncertainty) here.")
def label_random(labels: str, out: str, rest: str | None) -> None:
    """Split a `vnstance label` file: the rows chosen at random are the unbiased sample for `eval --data`."""
    from .label.store import random_rows

    kept, total = random_rows(labels, out, rest)
    click.echo(f"{kept} of {total} rows were chosen at random: {out}" + (f"; the other {total - kept}: {rest}" if rest else ""))


@main.command()
@click.argument("a", type=click.Path(dir_okay=False))
@click.argument("b", type=click.Path(dir_okay=False))
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Also write the JSON report here.")
@click.option("--targets", default=None, metavar="T1,T2,...",
              help="The targets to compare (default: the target fields the files' rows carry).")
def agree(a: str, b: str, report_path: str | None, targets: str | None) -> None:
    """Agreement of two annotators on their shared ids: kappa per field, f_avg, disagreements."""
    from .eval import agreement

    try:
        schema = Schema.of_targets(targets) if targets is not None else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--targets") from None
    result = agreement.agreement(a, b, schema)
    if report_path:
        write_json(result, report_path)
    click.echo(agreement.summary(result))
    if report_path:
        click.echo(f"report: {report_path}")


if __name__ == "__main__":  # pragma: no cover
    main()

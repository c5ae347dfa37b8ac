"""`vnstance summarize`: predictions -> findings per group (outlet, month...) and target."""

from .aggregate import MIN_MENTIONS, Summary, accuracy_note, load_eval_report, month_of, summarize, wilson

__all__ = ["MIN_MENTIONS", "Summary", "accuracy_note", "load_eval_report", "month_of", "summarize", "wilson"]

"""Evaluation: metrics, grouped cross-validation, baselines, reports and the CI gate."""

"""Text preparation: raw text -> clean sentences -> segmented tokens -> target mentions -> vectors."""

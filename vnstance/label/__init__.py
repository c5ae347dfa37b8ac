"""`vnstance label`: label your own sentences in the browser, the ones the model is least sure of first.

queue.py orders the sentences, store.py keeps the answers file, session.py ties them together
for one annotator, app.py serves the page and its small JSON API.
"""

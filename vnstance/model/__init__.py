"""Train, save and load the model, and predict."""

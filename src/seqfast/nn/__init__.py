"""Neural sequence models: RNNLM (model.py), RNNClassifier / RNNTagger / RNNRegressor (seqmodels.py) on the
recurrent encoder (encoder.py), the recurrent cell registry (cells.py), optimizers (optim.py),
the Trainer (trainer.py), train-on-a-text / evaluate-a-file in one call (recipe.py), text classification and
tagging in one call (tasks.py) and character-level word features (chars.py)."""
from .cells import CELLS, Cell, get_cell, register_cell
from .model import RNNLM
from .seqmodels import CHAR_FEATURES, RNNClassifier, RNNRegressor, RNNTagger, register_char_features
from .optim import SGD, Adagrad, Adam, clip_grad_norm, clip_grad_value, grad_norm
from .trainer import History, Trainer
from .recipe import TrainConfig, TrainResult, evaluate_file, train
from .tasks import (TaskConfig, TaskResult, evaluate_classifier, evaluate_tagger, predict_classifier, predict_tagger,
                    train_classifier, train_tagger)

__all__ = ["CELLS", "Cell", "get_cell", "register_cell", "RNNLM", "RNNClassifier", "RNNTagger", "RNNRegressor",
           "register_char_features", "CHAR_FEATURES", "Trainer", "History", "SGD", "Adagrad", "Adam",
           "clip_grad_norm", "clip_grad_value", "grad_norm", "TrainConfig", "TrainResult", "train", "evaluate_file",
           "TaskConfig", "TaskResult", "train_classifier", "train_tagger", "evaluate_classifier", "evaluate_tagger",
           "predict_classifier", "predict_tagger"]

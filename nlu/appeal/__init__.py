"""Appeal type (咨询 / 求助 / 投诉举报 / 意见建议) and category → department suggestions for a citizen's message.

>>> from nlu.appeal import load_classifier
>>> clf = load_classifier()
>>> clf.classify("楼下烧烤店天天开到凌晨，我要投诉").appeal_type
'投诉举报'
"""

from nlu.appeal.classifier import AppealClassifier, load_classifier, seed_classifier
from nlu.appeal.types import APPEAL_TYPES, AppealPrediction, CategorySuggestion

__all__ = ["APPEAL_TYPES", "AppealClassifier", "AppealPrediction", "CategorySuggestion", "load_classifier", "seed_classifier"]

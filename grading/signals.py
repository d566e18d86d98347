"""Signals that tell higher apps (certificates) what happened in grading.

Sent on commit by release_result / correct_result, with ids only:
`result_released(sender=Result, result_id=..., candidate_id=...)` and
`result_corrected(sender=Result, result_id=..., previous_id=..., candidate_id=...)`.
"""

from django.dispatch import Signal

result_released = Signal()
result_corrected = Signal()

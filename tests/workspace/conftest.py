# The pipeline's fixtures: the board and the application page are read about the same jobs and in the same
# language as the pipeline's own tests.
from tests.candidates.conftest import _english, er_job, it_job  # noqa: F401

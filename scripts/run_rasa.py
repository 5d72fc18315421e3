"""`rasa ARGS` as the server targets run it (`make serve`, `web`, `telegram`, `actions`), without
the libraries' deprecation warnings on the terminal.

PYTHONWARNINGS cannot silence the ten or so that Rasa's imports raise (pkg_resources, distutils,
jax, pyparsing via matplotlib, SQLAlchemy's URL()): importing Sanic turns DeprecationWarning back
on (`filterwarnings("once", ...)` in sanic/app.py), and Rasa's main then shows every UserWarning
once, pyparsing's deprecations included. Deprecations are ignored again after each. Every other
warning, and every error, is shown as before.

Usage: python scripts/run_rasa.py run --model ... (the arguments of `rasa`)
"""

import sys
import warnings
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # not scripts/: no module shadowed
sys.argv[0] = "rasa"

import sanic  # noqa: E402,F401 - adds the filter that the next line overrides

warnings.filterwarnings("ignore", category=DeprecationWarning)

import rasa.utils.common  # noqa: E402
from rasa.__main__ import main  # noqa: E402

rasa_filters = rasa.utils.common._filter_warnings


def filter_warnings(*args, **kwargs):
    """Rasa's warning filters, then deprecations ignored in front of them."""
    rasa_filters(*args, **kwargs)
    warnings.filterwarnings("ignore", category=DeprecationWarning)


rasa.utils.common._filter_warnings = filter_warnings

if __name__ == "__main__":
    sys.exit(main())

"""Custom actions of the BPJS Ketenagakerjaan Kalbar assistant, one module per topic.

Importing the package validates the facts file, so that the action server stops at start with a
message naming the file, the field and the problem when the file is broken.
"""

import sys

from actions import gazetteer, places
from actions.facts import FactsError, get_facts

try:
    get_facts()
except FactsError as error:
    sys.stderr.write(f"ERROR: invalid facts file: {error}\n")
    raise SystemExit(1)

# the place index and word lists take about a second to build: once, at start, not on a user's turn
places.place_index()
# the district seats (where distances are measured from): read and checked at start; a stale file
# is reported, not fatal here, so that scripts/generate_place_lookup.py (which imports this
# package) can still write it anew
try:
    gazetteer.district_seats()
except (OSError, ValueError) as error:
    sys.stderr.write(f"ERROR: district seats: {error}\n")

# the knowledge base of the official FAQ takes about seven seconds to index: in the action server
# (`rasa run actions --actions actions`, `python -m rasa_sdk --actions actions`) in the background
# from the start, so that the first question it answers does not wait for it (and run into the
# action's time limit); not in the Rasa server, which imports this package only for a few reply
# texts, nor in scripts and tests
if "--actions" in sys.argv:
    from actions import knowledge

    knowledge.warm_up()

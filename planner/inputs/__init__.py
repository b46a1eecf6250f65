"""The inputs: their schemas, reading, validation and the record a plan keeps of them.

* :mod:`~planner.inputs.schema`: every file's columns with type, unit, default and meaning;
* :mod:`~planner.inputs.read`: reading CSV files (every cell as text) and writing tables;
* :mod:`~planner.inputs.validate`: checking every cell and the files against each other,
  into :class:`~planner.inputs.validate.Inputs`, or an
  :class:`~planner.inputs.validate.InputError` naming each file, row and column;
* :mod:`~planner.inputs.provenance`: ``inputs.json``, the paths and fingerprints of the
  files a plan was made from.
"""

from planner.inputs.read import read_folder, read_inputs
from planner.inputs.validate import InputError, InputIssue, Inputs, validate_inputs

__all__ = ["InputError", "InputIssue", "Inputs", "read_folder", "read_inputs",
           "validate_inputs"]

"""Awards over time: the lifecycle, the register, versions, the sector view and badges.

Everything here reads decisions that :mod:`qmframe.engine` has already made;
nothing here makes one. It mirrors the documentation page "Awards over time"
(``docs/awards.md``): :mod:`~qmframe.awards.lifecycle` (states and moves),
:mod:`~qmframe.awards.register` (the SQLite register and its public export),
:mod:`~qmframe.awards.versions` (diff and rescore),
:mod:`~qmframe.awards.sector` (the view across all organisations),
:mod:`~qmframe.awards.badges` (Open Badges 3.0 credentials) and
:mod:`~qmframe.awards.commands` (their command-line subcommands).
"""

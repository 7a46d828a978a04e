"""Registered participants of a meeting: who may connect, who will speak, in which language.

``registrations.yaml`` in the meeting folder is optional; without it the floor works per
delegation. :mod:`.model` holds its model and checks against the roster, :mod:`.languages`
the six floor languages, :mod:`.importer` reads the registration service's export.
"""

"""The meeting room: agendas of views, the decisions and actions a meeting
records against each item, and the record exported after the meeting.

- :mod:`swp_data.meetings.agendas`: agendas (several, one per meeting) and
  their items (a title, a view as a page's url path and query string, talking
  points), in order; an agenda started from the quarterly pack's contents.
- :mod:`swp_data.meetings.notes`: decisions and actions per item (analysts, or
  the roles file's ``[note_taker]``), and an action passed on to the action
  plan (:mod:`swp_data.actions`) where the app has one.
- :mod:`swp_data.meetings.record`: the meeting's record as HTML or Word.

Layer: above :mod:`swp_data.report` (the pack's priorities); no Streamlit.
Writes take a connection from :func:`swp_data.store.transaction` and are
audited in it.
"""

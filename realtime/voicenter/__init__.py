"""Everything about Voicenter's formats and calls (no Django anywhere below).

- :mod:`~realtime.voicenter.fields`: how Voicenter's JSON is read (pure);
- :mod:`~realtime.voicenter.wire`: realtime socket events -> typed events (pure);
- :mod:`~realtime.voicenter.login`: the HTTP login / refresh request and answer formats (pure);
- :mod:`~realtime.voicenter.client`: the only code that talks HTTP to Voicenter (httpx);
- :mod:`~realtime.voicenter.socket`: the realtime socket as the worker reads it
  (python-socketio / python-engineio, adapted); the worker holds its life cycle.

The REST APIs (SetStatusFromAPI, Click2Call, GetExtensions, the call log) get their request and
answer formats in a pure ``rest`` module beside these, and their calls in ``client``.
``docs/voicenter.md`` summarises what Voicenter documents and what its SDKs do.
"""

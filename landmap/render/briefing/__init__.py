"""The briefing page: a print-ready A4/A3 map in PNG and PDF, in English, Khmer or both.

``page`` composes the page (:func:`~landmap.render.briefing.page.briefing_map`); ``extent``
chooses what it shows, ``background`` draws the offline provinces and relief, ``layers`` draws
the data, ``layout``, ``legend``, ``text`` and ``style`` place and word everything else;
``options`` holds the page's checked option objects (``Paper``, ``PageText``, ``Drawing``).
"""

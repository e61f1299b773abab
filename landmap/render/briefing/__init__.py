"""The briefing page: a print-ready A4/A3 map in PNG and PDF, in English, Khmer or both.

``page`` composes the page (:func:`~landmap.render.briefing.page.briefing_map`) from a ``job``
(the options checked, the cases through the privacy gate); ``extent`` chooses what it shows,
``background`` draws the offline provinces and relief, ``layers`` draws the data,
``furniture`` the title, footer, scale bar, north arrow, legend and inset, and ``layout``,
``legend``, ``text`` and ``style`` place and word everything else; ``output`` writes the file
with its provenance and audit; ``options`` holds the page's checked option objects
(``Paper``, ``PageText``, ``Drawing``).
"""

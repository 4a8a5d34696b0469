"""The default templates, stylesheets and fonts, importable as ``buildcase.templates``.

A file of the same name in a workspace's ``templates/`` or a proposal's ``templates/``
folder overrides the one here.
"""

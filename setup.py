"""Compiles the gettext catalogues (.po -> .mo) when a wheel is built (`pip install .`): the
compiled files are not in git, and the app refuses to start without them. Everything else is
in setup.cfg."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(__file__).parent.glob("service/translations/*/LC_MESSAGES/messages.po"):
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalog)
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})

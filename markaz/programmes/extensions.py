"""A small registration point: apps above programmes add a section to the programme form.

Programmes cannot import the apps that stand above it (learning keeps the completion rule), so
those apps register a section here when they start (AppConfig.ready); the programme form shows
each section's fields and saves them in the same transaction as the programme.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgrammeSection:
    key: str
    title: object  # a lazy translation
    # form(programme or None, data or None) -> a bound or unbound Django form (prefixed `key`)
    form: Callable
    # save(programme=, form=, actor=) -> None; raises ValidationError to refuse (nothing written)
    save: Callable


PROGRAMME_SECTIONS: dict[str, ProgrammeSection] = {}


def programme_section_register(section: ProgrammeSection) -> None:
    PROGRAMME_SECTIONS[section.key] = section

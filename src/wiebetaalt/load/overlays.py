"""An overlay on the framework it extends: find the base, load it, and layer the overlay on it.

A regional framework writes ``extends: landelijk`` (an installed framework) or a path, taken from
the folder of the overlay. The base must load without problems; an overlay may add routes, funders
and rules and replace other keys, except the keys that are national only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path as FilePath

from ..errors import Problem, did_you_mean
from .bundled import bundled_frameworks, is_name
from .sources import Layered, Source, SourceFile, real

#: Keys an overlay may not set: the order of the laws is national, not regional.
NATIONAL_ONLY = ("precedence",)

#: Loads a base: (path, the files already on the way to it) → its problems and its source.
LoadBase = Callable[[FilePath, tuple[FilePath, ...]], tuple[list[Problem], Source | None]]


def extend(path: FilePath, overlay: SourceFile, stack: tuple[FilePath, ...], problems: list[Problem],
           load_base: LoadBase) -> Layered | None:
    """Put ``overlay`` on the framework it extends, or add the reason it cannot be done."""
    target = overlay.document.data["extends"]
    here = overlay.place(("extends",))

    def refuse(message: str, hint: str) -> None:
        problems.append(Problem(here.file, here.line, here.column, "invalid-base", message, hint))

    try:
        if is_name(target):  # `extends: landelijk` names an installed framework (wiebetaalt kaders)
            installed = bundled_frameworks()
            if target not in installed:
                suggestion = did_you_mean(target, installed)
                refuse(f"geen geïnstalleerd kader heet {target!r}",
                       (f"{suggestion} " if suggestion else "")
                       + f"geïnstalleerd: {', '.join(installed)}; of noem een bestand, zoals {target}.yaml")
                return None
            base_path = real(installed[target])
        else:
            base_path = real(path.parent / target)
    except (OSError, ValueError):  # a NUL byte or a lone surrogate is no file name
        # Python's reason (an embedded null byte, a codec error) would be English and no help
        refuse(f"extends {target!r} is geen bruikbaar pad: er staat een teken in dat in geen bestandsnaam kan staan",
               "noem het regelbestand waarop dit kader voortbouwt")
        return None
    if base_path == real(path) or base_path in stack:
        refuse(f"extends {target!r} leidt terug naar dit bestand", "een overlay bouwt voort op een basis, nooit op zichzelf")
        return None
    base_problems, base = load_base(base_path, (*stack, real(path)))
    if base_problems or base is None:
        first = base_problems[0] if base_problems else None
        if first is not None and first.code == "unreadable-file":
            refuse(f"het kader waarop dit voortbouwt, {target!r}, is niet te lezen: {first.message}",
                   f"het pad geldt vanaf de map van dit bestand: {base_path}")
            return None
        count = "1 probleem" if len(base_problems) == 1 else f"{len(base_problems)} problemen"
        refuse(f"het kader waarop dit voortbouwt, {target!r}, laadt niet ({count})"
               + (f"; het eerste: {first}" if first else ""),
               f"voer `wiebetaalt check {base_path}` uit")
        return None
    for key in NATIONAL_ONLY:
        if key in overlay.document.data:
            at = overlay.place((key,), key=True)
            problems.append(Problem(at.file, at.line, at.column, "invalid-base",
                                    f"een overlay mag {key!r} niet zetten; die komt van {target!r}",
                                    "haal de sleutel uit de overlay"))
    return Layered(base, overlay)

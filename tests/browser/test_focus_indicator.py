"""The focus indicator of every control on the sign-in page, measured (WCAG 1.4.11, non-text
contrast): tab through the page in chromium and, for each control that takes focus, read its
computed style focused and not; what changes on focus (outline, box-shadow, background) must
include a colour at least 3:1 against the background around the control."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.support import serve
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running

#: What the browser computes for the focused element and for the same element unfocused, and
#: the first opaque background behind it (the page's white when there is none).
READ_STYLES = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const look = () => {
    const s = getComputedStyle(el);
    return {outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth,
            outlineColor: s.outlineColor, boxShadow: s.boxShadow,
            background: s.backgroundColor, color: s.color};
  };
  const focused = look();
  let around = 'rgb(255, 255, 255)';
  for (let node = el.parentElement; node; node = node.parentElement) {
    const bg = getComputedStyle(node).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(bg) && bg !== 'transparent') { around = bg; break; }
  }
  el.blur();
  const unfocused = look();
  el.focus();
  const name = (el.innerText || el.getAttribute('aria-label') || el.id || el.name ||
                el.tagName).trim().slice(0, 40);
  return {name, tag: el.tagName, focused, unfocused, around};
}"""

RGB = re.compile(r"rgba?\(([^)]*)\)")


def _colour(text: str) -> tuple[float, float, float] | None:
    """An opaque-enough colour from computed CSS, or None for transparent."""
    match = RGB.search(text)
    if not match:
        return None
    parts = [float(p) for p in re.split(r"[,\s/]+", match.group(1).strip()) if p]
    if len(parts) == 4 and parts[3] < 0.5:
        return None
    return parts[0], parts[1], parts[2]


def _luminance(rgb: tuple[float, float, float]) -> float:
    linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
              for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _shadow_colours(box_shadow: str) -> list[tuple[float, float, float]]:
    """The colour of each shadow that draws something (any offset, blur or spread not 0)."""
    if box_shadow == "none":
        return []
    colours = []
    for shadow in re.split(r",(?![^()]*\))", box_shadow):
        lengths = [float(n) for n in re.findall(r"(-?[\d.]+)px", RGB.sub("", shadow))]
        colour = _colour(shadow)
        if colour and any(lengths):
            colours.append(colour)
    return colours


def indicator_colours(styles: dict[str, Any]) -> list[tuple[float, float, float]]:
    """The colours that appear or change when the control takes focus."""
    focused, unfocused = styles["focused"], styles["unfocused"]
    colours = []
    width = float(re.sub(r"[^\d.]", "", focused["outlineWidth"]) or 0)
    if focused["outlineStyle"] != "none" and width > 0:
        outline = _colour(focused["outlineColor"])
        if outline:
            colours.append(outline)
    if focused["boxShadow"] != unfocused["boxShadow"]:
        colours += _shadow_colours(focused["boxShadow"])
    if focused["background"] != unfocused["background"]:
        background = _colour(focused["background"])
        if background:
            colours.append(background)
    return colours


def test_the_contrast_formula_matches_wcag() -> None:
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert round(contrast((0x76, 0x76, 0x76), (255, 255, 255)), 2) == 4.54  # the AA grey
    assert round(contrast((255, 255, 255), (0x76, 0x76, 0x76)), 2) == 4.54


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running("http://127.0.0.1/sign-in/oidc/callback") as server:
        yield server


@pytest.fixture
def sign_in_server(staff_make: Any, provider: Provider) -> Iterator[str]:
    """The sign-in page with every control it can have: the directory's hint and the
    OpenID Connect button as well as the form."""
    app = staff_make(OIDC_METADATA_URL=f"{provider.url}/.well-known/openid-configuration",
                     OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET,
                     OIDC_PROVIDER_NAME="Microsoft")
    with app.app_context():
        yield from serve(app)


def _measure(page: Any) -> tuple[int, list[tuple[str, str]], list[str]]:
    """Tab through the page once: the controls expected, those that took focus, and those
    whose focus indicator has no colour at 3:1 against what surrounds them."""
    # A group of radio buttons is one stop on the Tab key (arrows move within it); what a
    # closed <details> holds is not rendered, so it takes no focus until opened.
    expected = page.evaluate("""() => {
      const stops = [...document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
        .filter(e => e.tabIndex >= 0 && e.offsetParent !== null
                     && e.checkVisibility({visibilityProperty: true}));
      const radios = new Set(stops.filter(e => e.type === 'radio')
        .map(e => (e.form ? e.form.id || 'form' : '') + '/' + e.name));
      return stops.filter(e => e.type !== 'radio').length + radios.size;
    }""")
    measured: list[tuple[str, str]] = []
    failures = []
    for _ in range(expected + 5):
        page.keyboard.press("Tab")
        styles = page.evaluate(READ_STYLES)
        if styles is None:
            break
        key = (styles["name"], styles["tag"])
        if measured and key == measured[0]:
            break  # round again to the first control
        measured.append(key)
        around = _colour(styles["around"]) or (255, 255, 255)
        best = max((contrast(c, around) for c in indicator_colours(styles)), default=0.0)
        if best < 3:
            failures.append(f"{styles['tag']} {styles['name']!r}: best {best:.2f}:1 against "
                            f"{styles['around']} ({styles['focused']})")
    return expected, measured, failures


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_control_of_the_sign_in_page_shows_focus_at_3_to_1(
        browser: Any, sign_in_server: str, language: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{sign_in_server}/language/{language}?next=/sign-in")
    expected, measured, failures = _measure(page)
    context.close()
    assert len(measured) == expected >= 7, (measured, expected)  # each took focus once
    assert {"INPUT", "BUTTON", "A"} <= {tag for _, tag in measured}
    assert failures == []


@pytest.mark.rendering
def test_a_pale_focus_style_is_caught(browser: Any, sign_in_server: str) -> None:
    """The measurement can fail: a yellow outline alone, on the page's pale grey."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{sign_in_server}/sign-in")
    page.add_style_tag(content="*:focus, *:focus-visible { outline: 3px solid #ffeb3b "
                               "!important; box-shadow: none !important; background-color: "
                               "transparent !important; }")
    *_, failures = _measure(page)
    context.close()
    assert any("INPUT 'email'" in failure for failure in failures), failures
    assert any("'Sign in'" in failure for failure in failures), failures

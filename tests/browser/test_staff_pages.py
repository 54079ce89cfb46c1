"""Staff sign in, home, audit and sign out in a real browser, by keyboard only."""

from tests.browser.conftest import axe_violations, describe, screenshot

ADMIN = "admin@fernbridge.example"


def press_tab_until(page, selector: str, limit: int = 20) -> None:
    """Tab forward until the element matching `selector` has focus (like a keyboard user)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"could not reach {selector} with Tab")


def sign_in_by_keyboard(page, email: str, password: str) -> None:
    page.goto("/staff/login")
    press_tab_until(page, "#email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(password)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Sign in"
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_login_page_passes_axe_and_has_a_skip_link(page, site):
    page.goto("/staff/login")
    screenshot(page, "staff-login")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    assert page.evaluate("document.documentElement.lang") == "en"


def test_wrong_password_shows_an_error_summary(page, site):
    sign_in_by_keyboard(page, ADMIN, "not the password")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "The email or password is wrong" in summary.inner_text()
    screenshot(page, "staff-login-error")
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_sign_in_by_keyboard_then_home_and_audit_pass_axe_then_sign_out(page, site):
    sign_in_by_keyboard(page, ADMIN, site.password)
    assert page.url == f"{site.url}/staff"
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Alex Morgan"
    screenshot(page, "staff-home")
    violations = axe_violations(page)
    assert not violations, describe(violations)

    press_tab_until(page, "a[href='/staff/audit']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "Audit log"
    assert page.locator("td", has_text="login").first.is_visible()
    screenshot(page, "staff-audit")
    violations = axe_violations(page)
    assert not violations, describe(violations)

    press_tab_until(page, "form[action='/staff/logout'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{site.url}/staff/login"
    page.goto("/staff")
    assert page.url.startswith(f"{site.url}/staff/login?next=/staff")


def test_focus_is_visible_on_links_and_buttons(page, site):
    page.goto("/staff/login")
    press_tab_until(page, "button.govuk-button")
    outline = page.evaluate("getComputedStyle(document.activeElement).boxShadow + ' ' + "
                            "getComputedStyle(document.activeElement).outlineStyle")
    assert outline.strip() not in ("none none", "")

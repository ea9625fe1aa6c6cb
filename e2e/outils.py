"""What the browser tests do as a person would: log in through the login page, move with the
keyboard."""

# Every demo account gets this password in the tests; the demo command draws a random one.
MOT_DE_PASSE = "mot-de-passe-e2e-2026"


def se_connecter(page, username, mot_de_passe=MOT_DE_PASSE):
    page.goto("/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", mot_de_passe)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert "/connexion/" not in page.url, f"{username} n’a pas pu se connecter"


def a_le_focus(element):
    return element.evaluate("(e) => e === document.activeElement")


def tabuler_jusqua(page, element, maximum=150):
    """Press Tab until the element has the focus, as a keyboard user does; fails if Tab never
    reaches it (an element out of the tab order cannot be used without a mouse)."""
    for _ in range(maximum):
        if a_le_focus(element):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{element} n’est pas atteint au clavier après {maximum} appuis sur Tab")
